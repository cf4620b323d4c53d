import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

#: what `mim` (and mmpretrain's model hub) look for inside an installed OpenMMLab package
MIM_FILES = ('configs', 'demo', 'tools', 'model-index.yml')


def read_requirements(path):
    """The requirement lines of ``path`` (comments, blank lines and ``-r``/``-c`` lines dropped)."""
    with open(path) as f:
        lines = [line.split('#')[0].strip() for line in f]
    return [line for line in lines if line and not line.startswith('-')]


def read_version():
    scope = {}
    with open('mmlife/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


def add_mim_extension():
    """Put configs, demo, tools and model-index.yml into ``mmlife/.mim``, as OpenMMLab packages do.

    A wheel or sdist build copies them; an editable install (``pip install -e .``) links them, so
    the checkout's files stay the ones in use. Other setup.py commands leave ``mmlife/.mim`` alone.
    """
    if {'develop', 'editable_wheel'} & set(sys.argv):
        mode = 'copy' if os.name == 'nt' else 'symlink'  # no unprivileged symlinks on Windows
    elif {'bdist_wheel', 'sdist', 'build', 'build_py'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    root = osp.dirname(osp.abspath(__file__))
    mim = osp.join(root, 'mmlife', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(root, name), osp.join(mim, name)
        if not osp.exists(src):
            if osp.exists(dst):  # building from an sdist, which carries mmlife/.mim already
                continue
            raise FileNotFoundError(f'{src} is missing: mmlife/.mim needs {", ".join(MIM_FILES)}')
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmlife',
        version=read_version(),
        description='LIFE (Local InFormation Enhancer) for vision transformers in OpenMMLab',
        long_description=open('README.md').read(),
        long_description_content_type='text/markdown',
        keywords='computer vision, vision transformer, classification, detection, segmentation',
        packages=find_packages(include=['mmlife', 'mmlife.*']),
        include_package_data=True,  # mmlife/.mim, listed in MANIFEST.in
        python_requires='>=3.11',
        install_requires=read_requirements('requirements/runtime.txt'),
        extras_require=dict(
            demo=read_requirements('requirements/demo.txt'),
            tests=read_requirements('requirements/tests.txt'),
        ),
        license='Apache-2.0',  # an SPDX expression; the text is in LICENSE
        classifiers=[
            'Programming Language :: Python :: 3',
            'Programming Language :: Python :: 3.11',
            'Programming Language :: Python :: 3.12',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        zip_safe=False)
