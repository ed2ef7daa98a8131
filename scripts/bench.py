"""Benchmarks: medians over repeated runs, each beside a baseline measured in the same run.

Not a test: timings depend on the machine. ``make bench`` runs this and writes
the table to docs/benchmarks.md. Every figure is a median of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.cold_start lives beside src/, not in the package

from tests import cold_start  # noqa: E402 - the same measurement as the guard in make test

# Work folders live in the repository, where render writes in practice: on these
# machines /tmp is a much slower file system at times (seen: 10x for small files).
SCRATCH = REPO / ".bench"
BIN = Path(sys.executable).parent
COMMAND = str(BIN / "wildside-valkey")


@dataclass
class Row:
    what: str
    median: str
    baseline: str
    ratio: str
    target: str


def _median_seconds(run: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _process(argv: Sequence[str], cwd: Path | None = None) -> Callable[[], object]:
    def run() -> object:
        folder = cwd or Path(tempfile.mkdtemp(prefix="bench-", dir=SCRATCH))
        result = subprocess.run(argv, cwd=folder, capture_output=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr.decode()}")
        return result

    return run


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _environments(count: int) -> list[dict[str, object]]:
    return [
        {"cluster_name": f"pr-{index}", "namespace": f"preview-{index}", "nodes": 1 + index % 3}
        for index in range(count)
    ]


_IN_PROCESS = """
import json, resource, sys, tempfile, time
from pathlib import Path
from wildside_valkey.render import write_tree
from wildside_valkey.render.batch import environment_variables, render_batch
entries = json.loads(sys.argv[1])
start = time.perf_counter()
environments = environment_variables({}, entries)
tree = render_batch(environments).tree
rendered = time.perf_counter()
write_tree(tree, Path(tempfile.mkdtemp(dir=sys.argv[2])) / "out")
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "render_seconds": rendered - start,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _in_process(
    count: int, repeat: int, where: Path = SCRATCH
) -> tuple[float, float, int, float, float]:
    """Median total, median validate+render time (the rest is writing), peak RSS, range."""
    entries = json.dumps(_environments(count))
    seconds, renders, peaks = [], [], []
    for _ in range(repeat):
        result = subprocess.run(
            [sys.executable, "-c", _IN_PROCESS, entries, str(where)],
            capture_output=True,
            check=True,
            text=True,
        )
        report = json.loads(result.stdout)
        seconds.append(report["seconds"])
        renders.append(report["render_seconds"])
        peaks.append(report["peak_kib"])
    return (
        statistics.median(seconds),
        statistics.median(renders),
        max(peaks),
        min(seconds),
        max(seconds),
    )


def measure(repeat: int) -> tuple[list[Row], dict[str, str]]:
    rows: list[Row] = []
    # The baseline is `python3 -c "import yaml"`; the same interpreter as the
    # tool (the venv's) is the fair one, and `python3` as found on PATH is shown too.
    system_python = shutil.which("python3")
    cold = cold_start.measure(pairs=max(21, repeat))
    venv_yaml = _median_seconds(_process([sys.executable, "-c", "import yaml"]), repeat)
    path_yaml = (
        _median_seconds(_process([system_python, "-c", "import yaml"]), repeat)
        if system_python and _imports_yaml(system_python)
        else None
    )
    render = cold.render_wall
    contract = _median_seconds(_process([COMMAND, "contract"]), repeat)
    help_ = _median_seconds(_process([COMMAND, "--help"]), repeat)

    def ratio(value: float, base: float) -> str:
        return f"{value / base:.2f}×"

    rows.append(
        Row(
            "cold `render` (defaults, temp folder)",
            _ms(render),
            f"`python3 -c 'import yaml'` with the tool's own interpreter "
            f"{_ms(cold.baseline_wall)}; {len(cold.renders)} interleaved pairs "
            "(tests/cold_start.py)",
            f"{cold.wall_ratio:.2f}× wall, {cold.cpu_ratio:.2f}× CPU (medians of the pairs' "
            "ratios)",
            f"≤ {cold_start.TARGET}×; `make test` fails above {cold_start.LIMIT}× CPU",
        )
    )
    if path_yaml is not None:
        rows.append(
            Row(
                "cold `render` (defaults, temp folder)",
                _ms(render),
                f"`python3 -c 'import yaml'` with `python3` from PATH ({system_python}) "
                f"{_ms(path_yaml)}",
                ratio(render, path_yaml),
                "(shown for reference; the row above is the fair one)",
            )
        )
    rows.append(
        Row(
            "cold `contract`",
            _ms(contract),
            f"venv yaml {_ms(venv_yaml)}",
            ratio(contract, venv_yaml),
            "",
        )
    )
    rows.append(
        Row("cold `--help`", _ms(help_), f"venv yaml {_ms(venv_yaml)}", ratio(help_, venv_yaml), "")
    )

    for count in (1, 100, 1000):
        runs = max(5, repeat // 2)
        seconds, render_seconds, peak, fastest, slowest = _in_process(count, runs)
        rows.append(
            Row(
                f"in-process render of {count} environments (files written)",
                f"{seconds * 1000:.0f} ms (range {fastest * 1000:.0f}–{slowest * 1000:.0f} ms "
                f"over {runs} runs)",
                f"{seconds / count * 1000:.2f} ms/env; of which validate + render "
                f"{render_seconds * 1000:.0f} ms, the rest writing",
                f"peak RSS {peak / 1024:.0f} MiB",
                "≤ 1.0 s, < 150 MiB" if count == 1000 else "",
            )
        )
    # The same 1,000 environments written to memory (tmpfs): what the tool costs
    # when the disk is not the bottleneck (this machine's disk latency varies ~10x).
    memory = Path("/dev/shm")
    if memory.is_dir():
        folder = Path(tempfile.mkdtemp(prefix="wildside-bench-", dir=memory))
        try:
            runs = max(5, repeat // 2)
            seconds, render_seconds, _, fastest, slowest = _in_process(1000, runs, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        rows.append(
            Row(
                "in-process render of 1000 environments, written to tmpfs (/dev/shm)",
                f"{seconds * 1000:.0f} ms (range {fastest * 1000:.0f}–{slowest * 1000:.0f} ms "
                f"over {runs} runs)",
                f"of which validate + render {render_seconds * 1000:.0f} ms",
                "the tool's own cost, without the disk",
                "",
            )
        )

    # Nothing is deleted until the end, and every run writes a new folder: on this
    # ext4 (mounted with `discard`) a large deletion slows the file creations that
    # follow it for seconds, which would measure the disk, not the tool.
    each = Path(tempfile.mkdtemp(dir=SCRATCH)) / "each.json"
    each.write_text(json.dumps(_environments(1000)))
    outputs = (str(each.parent / f"out-{n}") for n in range(1000))
    seconds = _median_seconds(
        lambda: _process([COMMAND, "render", "--each", str(each), "--out", next(outputs)])(),  # noqa: PLW0108 - a new --out each run
        max(3, repeat // 3),
    )
    rows.append(
        Row(
            "`render --each` 1,000 entries, as a process",
            f"{seconds * 1000:.0f} ms",
            f"{seconds:.3f} s",
            "",
            "≤ 2.0 s",
        )
    )
    rows.extend(_optional_rows(repeat))
    machine = {
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "repeat": str(repeat),
    }
    return rows, machine


def _imports_yaml(python: str) -> bool:
    return (
        subprocess.run([python, "-c", "import yaml"], capture_output=True, check=False).returncode
        == 0
    )


def _optional_rows(repeat: int) -> list[Row]:
    """Figures for parts that may not be in this build (policies, apply)."""
    rows: list[Row] = []
    for script in sorted((REPO / "scripts").glob("bench_*.py")):
        result = subprocess.run(
            [sys.executable, str(script), "--repeat", str(repeat)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"{script.name} failed:\n{result.stderr}")
        for item in json.loads(result.stdout):
            rows.append(Row(**item))
    return rows


def table(rows: list[Row], machine: dict[str, str]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`scripts/bench.py`); medians of repeated runs, each",
        "beside a baseline measured in the same run. Files are written inside the",
        "repository (`.bench/`, removed afterwards), where render writes in practice;",
        "the package's bytecode is compiled first, as an installed wheel's is.",
        "",
        f"Machine: {machine['cpus']} CPUs, Python {machine['python']}, {machine['platform']}; "
        f"{machine['repeat']} runs per cold-start figure.",
        "",
        "| what | median | baseline / detail | ratio / detail | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r.what} | {r.median} | {r.baseline} | {r.ratio} | {r.target} |" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--write", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    SCRATCH.mkdir(exist_ok=True)
    try:
        rows, machine = measure(args.repeat)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    text = table(rows, machine)
    print(text, end="")
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
