"""Output names of the roll-out tools are unique per input image."""
import os.path as osp

from mmlife.visualization.cli import collect_images, output_names


def test_output_names_are_unique():
    assert output_names(['/d/test/3/0123.png'], '_r') == ['3_0123_r.png']
    assert output_names(['/x/a/3/x.png', '/x/b/3/x.png', '/x/b/4/x.png'], '_r') == [
        'a_3_x_r.png', 'b_3_x_r.png', '4_x_r.png']
    # same parent and stem, different extensions; then names that only a counter separates
    assert output_names(['/p/3/x.png', '/p/3/x.jpg'], '') == ['p_3_x.png', 'p_3_x_2.png']
    # a deeper name must not collide with a shallow one either
    names = output_names(['/a/3/x.png', '/b/3/x.png', '/c/a_3/x.png'], '')
    assert len(set(names)) == 3
    assert output_names(['x.png'], '') == [f"{osp.basename(osp.abspath('.'))}_x.png"]


def test_collect_images_keeps_each_file_once(tmp_path):
    for name in ('b.png', 'a.jpg', 'notes.txt'):
        (tmp_path / name).write_bytes(b'')
    found = collect_images([str(tmp_path / 'a.jpg'), str(tmp_path)])
    assert found == [str(tmp_path / 'a.jpg'), str(tmp_path / 'b.png')]
