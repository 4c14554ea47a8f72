"""One module per `scanstation` command, each with `add_arguments(parser)` and `run(args) -> int`."""
