"""Benchmarks of samband: run as ``python -m bench.<name>``.  Not installed with the app."""
