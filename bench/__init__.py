"""Sinergi's benchmarks (``make bench``, ``python -m bench``): every figure beside a baseline
measured in the same run on the same machine, because the machines are shared and noisy."""
