"""Benchmarks of a night's work: each stage, the whole pipeline, fetching and baselines.

Run ``python -m benchmarks`` (or ``akhbar bench``); see :mod:`benchmarks.__main__`.
"""
