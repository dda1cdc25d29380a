"""Benchmarks of exported models: on the host (bench.host) and on a Cortex-M4 (bench.cortex_m4).

Imported on first use: the Cortex-M4 bench is part of the firmware stage, which never loads torch."""

__all__ = ["RUNTIMES", "bench_host", "compare"]


def __getattr__(name: str):
    if name in __all__:
        from edgeppg.bench import host

        return getattr(host, name)
    raise AttributeError(name)
