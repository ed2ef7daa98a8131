"""The ``wildside-valkey`` console script: start-up with the garbage collector paused.

Before a command runs, its start-up loads a few hundred modules (click, msgspec,
PyYAML and this package's layers) that create many objects and no garbage, and
the cyclic collector walks them again and again while they load: about a tenth
of a cold ``render`` (docs/benchmarks.md). So the console script pauses the
collector while ``cli.main`` and the command's module load, and resumes it
before the command runs: a long ``apply`` collects as usual. ``cli.main.main``
called in-process (the library, the tests) never touches the collector.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Mapping, Sequence
from importlib import import_module
from typing import NoReturn


def run() -> NoReturn:
    gc.disable()
    try:
        from .main import COMMANDS, main  # noqa: PLC0415 - loaded with the collector paused

        _load_command(COMMANDS, sys.argv[1:])
    finally:
        # What start-up made lives until the process ends: moved out of the collector's
        # sight, no later collection (nor the one at exit) walks it again.
        gc.freeze()
        gc.enable()
    main()


def _load_command(commands: Mapping[str, tuple[str, str]], argv: Sequence[str]) -> None:
    """Import the module of the command ``argv`` names: its first word that is not an
    option (the group's own options, --help and --version, take no value)."""
    name = next((word for word in argv if not word.startswith("-")), None)
    if name is None or name not in commands:
        return
    # A module that fails to load is main()'s to report, as it reports any failure.
    with contextlib.suppress(Exception):
        import_module(commands[name][0].partition(":")[0])
