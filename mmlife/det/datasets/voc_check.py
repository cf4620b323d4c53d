"""Validate Pascal VOC boxes while they are parsed, so no bad box is trained on silently."""
from collections import Counter

from mmengine.logging import print_log

from mmlife.utils.data_check import NameFilesOnErrorMixin, short_list


def _files(counter: Counter) -> str:
    return short_list([f'{f} ({c})' for f, c in sorted(counter.items())])


class VOCBoxCheckMixin(NameFilesOnErrorMixin):
    """For mmdet's ``XMLDataset`` / ``VOCDataset`` subclasses: check every box of every XML.

    - A box that extends outside its image is clipped to the image.
    - An inverted or zero-area box (``xmax <= xmin`` or ``ymax <= ymin``), or one that lies
      entirely outside its image, is dropped.

    Both are counted and logged once per dataset as a warning that names the XML files (with
    their counts); :attr:`box_report` holds the counts per file. A sample whose loading fails
    (e.g. an empty image file) raises an error naming its files. Use it first in the bases::

        @DATASETS.register_module()
        class MyVOCDataset(VOCBoxCheckMixin, VOCDataset):
            METAINFO = ...
    """

    def load_data_list(self):
        self.box_report = dict(clipped=Counter(), dropped=Counter())
        data_list = super().load_data_list()
        clipped, dropped = self.box_report['clipped'], self.box_report['dropped']
        name = type(self).__name__
        if clipped:
            print_log(f'{name}: clipped {sum(clipped.values())} boxes that extend outside their '
                      f'image, in {len(clipped)} files: {_files(clipped)}', 'current', 30)
        if dropped:
            print_log(f'{name}: dropped {sum(dropped.values())} inverted, zero-area or '
                      f'out-of-image boxes, in {len(dropped)} files: {_files(dropped)}',
                      'current', 30)
        return data_list

    def parse_data_info(self, img_info):
        info = super().parse_data_info(img_info)
        if not isinstance(info, dict) or 'instances' not in info:
            return info
        w, h, xml = info['width'], info['height'], info.get('xml_path', img_info.get('xml_path'))
        kept = []
        for inst in info['instances']:
            x1, y1, x2, y2 = inst['bbox']
            box = [min(max(x1, 0), w), min(max(y1, 0), h), min(max(x2, 0), w), min(max(y2, 0), h)]
            if box[2] <= box[0] or box[3] <= box[1]:
                self.box_report['dropped'][xml] += 1
                continue
            if box != [x1, y1, x2, y2]:
                self.box_report['clipped'][xml] += 1
                inst['bbox'] = box
            kept.append(inst)
        info['instances'] = kept
        return info
