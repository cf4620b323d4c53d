"""Speed and memory of DeiT with LIFE against plain-QKV DeiT, side by side in one run.

    python tools/analysis_tools/benchmark.py [--modes eager compiled e2e host] [--out FILE]
    python tools/analysis_tools/benchmark.py --device cpu --smoke   # a tiny CPU run

The modes, rows and options are described in :mod:`mmlife.analysis.benchmark`.
"""
from mmlife.analysis.benchmark import main

if __name__ == '__main__':
    main()
