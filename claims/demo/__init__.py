"""Synthetic demo data: realistic encounters for `make run`, the benchmarks and the UI."""
