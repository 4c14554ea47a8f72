"""The frozen program's entry script: multiprocessing's freeze support, then `scanstation.cli.main`."""

import multiprocessing
import sys

if __name__ == "__main__":
    # The simulator builds large feeds in "spawn" worker processes; in a frozen program each worker is
    # this executable started again, and freeze_support() is what turns it into a worker instead of the CLI.
    multiprocessing.freeze_support()

    from scanstation.cli import main

    sys.exit(main())
