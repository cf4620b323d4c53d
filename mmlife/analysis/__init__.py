"""Measurement tools of mmlife (benchmarks), run through thin scripts under ``tools/``."""
