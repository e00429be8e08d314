"""Benchmarks and the load test: run as modules from the repository root (`python -m bench.run`)."""
