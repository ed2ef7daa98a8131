"""python -m tests.e2e.harness {up,down,status,build}: exit 0, or 1 naming what failed."""

from __future__ import annotations

import argparse
import sys

from . import build, cluster
from .processes import HarnessError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.harness", description=__doc__)
    parser.add_argument(
        "command",
        choices=("up", "down", "status", "build"),
        help="up: start (or reuse) the cluster; down: stop what up started and remove .e2e/; "
        "status: say whether it runs; build: build the Go programs only",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            state = cluster.up()
            print("\n".join(cluster.usage(state)))
        elif args.command == "down":
            cluster.down()
        elif args.command == "build":
            for built in build.build_all():
                verb = f"built in {built.seconds:.0f}s" if built.rebuilt else "up to date"
                print(f"e2e/{built.module}: {verb}")
        else:
            running = cluster.State.load()
            if running is None or not running.healthy():
                print("no healthy cluster (make cluster starts one)")
                return 1
            print("\n".join(cluster.usage(running)))
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
