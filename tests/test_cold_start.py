"""The cold start stays under the bar: ``render`` of the defaults within 3.0x a bare
``python -c "import yaml"`` from the same interpreter (the aim is 2.7x; docs/benchmarks.md).

A ratio from interleaved runs in this one test (tests/cold_start.py), never an
absolute time. It holds the CPU-time ratio, which other builds on the machine
disturb far less than the wall clock; a first verdict over the limit is measured
again with as many runs more and judged on all of them, so a burst of load
elsewhere does not fail the suite, while a real regression still does.
"""

from __future__ import annotations

import gc
import sys

import pytest

from tests.cold_start import LIMIT, compile_sources, measure


def test_a_cold_render_is_within_the_limit() -> None:
    compile_sources()
    result = measure(pairs=21)
    if result.cpu_ratio > LIMIT:
        result += measure(pairs=21)
    assert result.cpu_ratio <= LIMIT, result.summary()


def test_the_console_script_pauses_the_collector_for_start_up_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wildside_valkey.cli import entry, main

    seen: list[bool] = []
    monkeypatch.setattr(main, "main", lambda: seen.append(gc.isenabled()))
    monkeypatch.setattr(sys, "argv", ["wildside-valkey", "--help"])
    gc.unfreeze()
    try:
        entry.run()
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # give this test process its objects back
    assert seen == [True]  # the command runs with the collector on
    assert frozen > 0  # what start-up made was moved out of the collector's way


def test_the_console_script_loads_the_named_command_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wildside_valkey.cli import entry

    monkeypatch.delitem(sys.modules, "wildside_valkey.cli.output", raising=False)
    entry._load_command({"output": ("wildside_valkey.cli.output:output", "")}, ["output", "x"])
    assert "wildside_valkey.cli.output" in sys.modules
    # A module that cannot load is left for main() to report.
    entry._load_command({"nope": ("wildside_valkey.cli.nope:x", "")}, ["--version", "nope"])
    assert "wildside_valkey.cli.nope" not in sys.modules
