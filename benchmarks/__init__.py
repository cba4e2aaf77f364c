"""Benchmarks for transcript-judge: numbers, not tests. See ``benchmarks/README.md``."""
