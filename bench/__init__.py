"""`make bench`: the project's benchmarks (never part of `make test`).

Each module `bench/bench_<area>.py` exposes `run() -> dict[str, dict]` returning figures as
{"name": {"value": float, "unit": str, "target": str | float | None}}. The runner calls each
(or those named on the command line), prints a table and merges the figures into
var/bench.json, so one area can be re-measured without losing the others.
"""
