"""Benchmarks behind `scanstation bench NAME`: each module exposes add_arguments(parser) and run(args) -> int."""
