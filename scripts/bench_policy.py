"""Benchmark rows for the policy pack (collected by scripts/bench.py).

Prints a JSON list of rows: evaluation of the pack over the default render,
in-process (after the one-time compile) and as a cold ``wildside-valkey policy``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from wildside_valkey.inputs import load_variables
from wildside_valkey.plan import build_plan
from wildside_valkey.policies import compiled_pack, evaluate_manifests
from wildside_valkey.render import render_manifests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    manifests = render_manifests(build_plan(load_variables()))
    start = time.perf_counter()
    compiled_pack()
    compile_seconds = time.perf_counter() - start
    samples = []
    for _ in range(max(args.repeat, 20)):
        start = time.perf_counter()
        report = evaluate_manifests(manifests)
        samples.append(time.perf_counter() - start)
    assert not report.denied
    command = str(Path(sys.executable).parent / "wildside-valkey")
    cold = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        subprocess.run([command, "policy"], capture_output=True, check=True)
        cold.append(time.perf_counter() - start)
    rows = [
        {
            "what": "policy pack over the default render (in-process, compiled)",
            "median": f"{statistics.median(samples) * 1000:.1f} ms",
            "baseline": f"one-time compile {compile_seconds * 1000:.1f} ms",
            "ratio": f"{len(manifests)} files",
            "target": "",
        },
        {
            "what": "cold `wildside-valkey policy` (render + compile + evaluate)",
            "median": f"{statistics.median(cold) * 1000:.1f} ms",
            "baseline": "",
            "ratio": "",
            "target": "",
        },
    ]
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
