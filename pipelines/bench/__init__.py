"""The performance benchmark: ``python -m pipelines.bench`` (see docs/benchmarks.md)."""
