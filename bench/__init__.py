"""Reproducible benchmarks of LiveBoard (not tests): `make bench`, or `python -m bench --help`."""
