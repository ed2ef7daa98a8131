"""python -m tests.e2e.harness {up,down,status,build,gitops TREE}: exit 0, or 1 naming what
failed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build, cluster, gitops
from .kube import Kube
from .processes import HarnessError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.harness", description=__doc__)
    parser.add_argument(
        "command",
        choices=("up", "down", "status", "build", "gitops"),
        help="up: start (or reuse) the cluster; down: stop what up started and remove .e2e/; "
        "status: say whether it runs; build: build the Go programs only; gitops TREE: publish "
        "a rendered tree to the cluster's Git server and wait until Flux has it Ready",
    )
    parser.add_argument("tree", nargs="?", help="gitops: the folder `wildside-valkey render` wrote")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            state = cluster.up()
            print("\n".join(cluster.usage(state)))
        elif args.command == "down":
            cluster.down()
        elif args.command == "gitops":
            return _gitops(parser, args.tree)
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


def _gitops(parser: argparse.ArgumentParser, tree: str | None) -> int:
    if not tree:
        parser.error("gitops needs TREE: the folder `wildside-valkey render` wrote")
    state = cluster.State.load()
    if state is None or not state.healthy():
        raise HarnessError("no healthy cluster: start one with `make cluster`")
    with Kube(state.identity()) as kube:
        published = gitops.publish(state, kube, Path(tree))
        print(f"published {tree} to {state.git_url} ({published.revision}) at ./{published.path}")
        seconds = gitops.wait_ready(kube, published)
    names = ", ".join(name for _, name in published.kustomizations)
    print(f"Ready in {seconds:.1f}s: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
