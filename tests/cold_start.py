"""The cold start of ``wildside-valkey render`` as a ratio to ``python -c "import yaml"``.

Both run from the same interpreter (the venv's), each a new process, in pairs
whose order alternates (A B, B A, ...) so that a machine busier for a while
slows both sides of the pairs it spans; the figure is the median of the
per-pair ratios. A ratio, not a time: the machine's speed cancels out.

Each pair is timed twice over: wall clock (what a user waits) and CPU time
(user + system, from the children's rusage: the work the process did, not the
time it waited for a core while other builds ran). The guard in ``make test``
(tests/test_cold_start.py) holds the CPU ratio, which a busy two-core machine
disturbs far less; ``make bench`` (scripts/bench.py) reports both.
"""

from __future__ import annotations

import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 2.7  # the aim (issue 17): a cold render within 2.7x a bare `import yaml`
LIMIT = 3.0  # the guard: make test fails above this


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float


@dataclass(frozen=True)
class ColdStart:
    """Interleaved runs of a cold ``render`` of the defaults and of ``import yaml``."""

    renders: tuple[Run, ...]
    baselines: tuple[Run, ...]

    @property
    def wall_ratio(self) -> float:
        return statistics.median(r.wall / b.wall for r, b in self._pairs())

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(r.cpu / b.cpu for r, b in self._pairs())

    @property
    def render_wall(self) -> float:
        return statistics.median(run.wall for run in self.renders)

    @property
    def baseline_wall(self) -> float:
        return statistics.median(run.wall for run in self.baselines)

    def __add__(self, other: ColdStart) -> ColdStart:
        return ColdStart(self.renders + other.renders, self.baselines + other.baselines)

    def _pairs(self) -> list[tuple[Run, Run]]:
        return list(zip(self.renders, self.baselines, strict=True))

    def summary(self) -> str:
        return (
            f"cold render {self.render_wall * 1000:.1f} ms wall, "
            f"import yaml {self.baseline_wall * 1000:.1f} ms: ratio "
            f"{self.wall_ratio:.2f} wall, {self.cpu_ratio:.2f} CPU "
            f"(medians of {len(self.renders)} interleaved pairs)"
        )


def compile_sources() -> None:
    """Bytecode for the package, as an installed wheel has (PYTHONDONTWRITEBYTECODE may be
    set, and would otherwise make every cold start compile the package anew)."""
    compileall.compile_dir(REPO / "src", quiet=1)


def _timed(argv: list[str], cwd: str) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu)


def measure(pairs: int = 21, warmup: int = 2) -> ColdStart:
    """``pairs`` interleaved runs of each side, after ``warmup`` pairs that are not kept
    (they bring the interpreter, the libraries and the bytecode into the page cache)."""
    command = str(Path(sys.executable).parent / "wildside-valkey")
    baseline = [sys.executable, "-c", "import yaml"]
    renders: list[Run] = []
    baselines: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="cold-start-") as folder:
        for index in range(warmup + pairs):
            render = [command, "render", "--out", os.path.join(folder, f"out-{index}")]
            if index % 2:
                base_run, render_run = _timed(baseline, folder), _timed(render, folder)
            else:
                render_run, base_run = _timed(render, folder), _timed(baseline, folder)
            if index >= warmup:
                renders.append(render_run)
                baselines.append(base_run)
    return ColdStart(tuple(renders), tuple(baselines))


if __name__ == "__main__":
    compile_sources()
    print(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 21).summary())
