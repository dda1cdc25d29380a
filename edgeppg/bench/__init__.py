"""Benchmarks of exported models: on the host (this module) and, later, on a Cortex-M4."""

from edgeppg.bench.host import RUNTIMES, bench_host, compare

__all__ = ["RUNTIMES", "bench_host", "compare"]
