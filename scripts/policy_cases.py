"""Run the policy pack over the default render and every render case in tests/cases.

Part of ``make valkey-policy``: prints one summary line a case and exits 1 when
any case is denied (the expected warnings are asserted by the test suite).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from wildside_valkey.inputs import load_variables
from wildside_valkey.plan import build_plan
from wildside_valkey.policies import evaluate_manifests, format_report
from wildside_valkey.render import render_manifests

CASES = Path(__file__).resolve().parents[1] / "tests" / "cases"


def case_inputs() -> list[tuple[str, list[Path]]]:
    cases: list[tuple[str, list[Path]]] = [("(defaults)", [])]
    for folder in sorted(p for p in CASES.iterdir() if p.is_dir()):
        files = sorted(folder.glob("variables.*"))
        if files:
            cases.append((folder.name, files))
    return cases


def main() -> int:
    denied = 0
    for name, files in case_inputs():
        start = time.perf_counter()
        report = evaluate_manifests(render_manifests(build_plan(load_variables(files))))
        elapsed = (time.perf_counter() - start) * 1000
        status = "DENIED" if report.denied else "ok"
        print(f"{status:6} {name:32} {len(report.warnings)} warnings  {elapsed:6.1f} ms")
        if report.denied:
            denied += 1
            print(format_report(report), file=sys.stderr)
    print(f"{len(case_inputs())} renders checked, {denied} denied")
    return 1 if denied else 0


if __name__ == "__main__":
    raise SystemExit(main())
