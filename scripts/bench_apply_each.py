"""Benchmark `apply --each` for many previews against the fake API server and the helm stand-in.

Applies N previews (default 50, each in its own namespace) in one batch, in
process through ``apply_each`` (what the CLI runs), with the library's default
retry and poll settings, first one at a time (``--concurrency 1``) and then at
the CLI's default concurrency. Each measurement starts from an empty fake
cluster. Prints a JSON list of rows for scripts/bench.py; fails unless every
preview succeeded and helm installed the shared operator exactly once.

    .venv/bin/python scripts/bench_apply_each.py --previews 50 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.fakes lives beside src/, not in the package

from bench_apply import fake_cluster  # noqa: E402 - beside this script (sys.path[0])
from tests.fakes.kube_api import FakeKubeApi  # noqa: E402

from wildside_valkey.apply import NullProgress, connect_cluster  # noqa: E402
from wildside_valkey.apply.batch import apply_each  # noqa: E402
from wildside_valkey.cli.options import DEFAULT_CONCURRENCY  # noqa: E402
from wildside_valkey.plan import Plan, build_plan  # noqa: E402
from wildside_valkey.variables import variables_from_mapping  # noqa: E402


def _plans(count: int) -> list[Plan]:
    return [
        build_plan(
            variables_from_mapping(
                {"mode": "apply", "cluster_name": f"pr-{i}", "namespace": f"preview-{i}"}
            )
        )
        for i in range(1, count + 1)
    ]


def run_once(plans: list[Plan], concurrency: int) -> tuple[float, int]:
    """Seconds for one `apply --each` on a fresh fake cluster, and its API request count."""
    with tempfile.TemporaryDirectory(prefix="bench-each-") as folder, FakeKubeApi() as api:
        kubeconfig, helm = fake_cluster(Path(folder), api)
        api.clear_requests()
        start = time.perf_counter()
        result = apply_each(
            plans,
            lambda: connect_cluster(kubeconfig),
            progress_for=lambda _name: NullProgress(),
            concurrency=concurrency,
        )
        seconds = time.perf_counter() - start
        if not result.ok:
            raise SystemExit(f"apply --each failed: {result.summary()}")
        upgrades = [c.command for c in helm.calls() if c.command.startswith("upgrade")]
        if len(upgrades) != 1:
            raise SystemExit(f"expected one helm upgrade for the batch, got {upgrades}")
        return seconds, len(api.requests())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--previews", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    plans = _plans(max(1, args.previews))
    rows = []
    serial = 0.0
    for concurrency in (1, DEFAULT_CONCURRENCY):
        samples = [run_once(plans, concurrency) for _ in range(max(1, args.repeat))]
        median = statistics.median(seconds for seconds, _ in samples)
        serial = serial or median
        label = "" if concurrency == 1 else " (the default)"
        rows.append(
            {
                "what": f"`apply --each`, {len(plans)} previews, --concurrency "
                f"{concurrency}{label} (fake API server, helm stand-in)",
                "median": f"{median:.2f} s",
                "baseline": f"{samples[0][1]} requests; 1 helm upgrade",
                "ratio": "" if concurrency == 1 else f"{serial / median:.1f}× faster than 1",
                "target": "",
            }
        )
    print(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
