from setuptools import find_packages, setup


def read_requirements(path):
    with open(path) as f:
        return [line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip() and not line.startswith('-r')]


def read_version():
    scope = {}
    with open('mmlife/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmlife',
    version=read_version(),
    description='LIFE (Local InFormation Enhancer) for vision transformers in OpenMMLab',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmlife', 'mmlife.*']),
    python_requires='>=3.11',
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require=dict(tests=read_requirements('requirements/tests.txt')),
    license='Apache-2.0',
)
