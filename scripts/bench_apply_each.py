"""Benchmark `apply --each` for many previews against the end-to-end cluster (`make cluster`).

Applies N previews (default 20, each in its own namespace) in one batch, in process
through ``apply_each`` (what the CLI runs), with the library's default retry and poll
settings, first one at a time (``--concurrency 1``) and then at the CLI's default
concurrency, each batch with an operator release of its own. Every preview is a real
StatefulSet whose pods the real controllers and kwok run, so one run per concurrency
(``--repeat`` is accepted for scripts/bench.py and ignored). Prints a JSON list of rows for
scripts/bench.py; fails unless every preview succeeded and helm installed the shared
operator exactly once.

    .venv/bin/python scripts/bench_apply_each.py --previews 20
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.e2e lives beside src/, not in the package

from bench_apply import Bench, e2e_cluster, tempfile_folder  # noqa: E402 - beside this script

from wildside_valkey.apply import NullProgress, connect_cluster  # noqa: E402
from wildside_valkey.apply.batch import apply_each  # noqa: E402
from wildside_valkey.cli.options import DEFAULT_CONCURRENCY  # noqa: E402
from wildside_valkey.plan import Plan, build_plan  # noqa: E402
from wildside_valkey.variables import variables_from_mapping  # noqa: E402


def _plans(bench: Bench, count: int) -> list[Plan]:
    shared = bench.plan().variables  # one operator release of the batch's own
    plans = []
    for i in range(1, count + 1):
        namespace = f"{shared.namespace}-pr-{i}"
        bench.namespaces.append(namespace)
        plans.append(
            build_plan(
                variables_from_mapping(
                    {
                        "mode": "apply",
                        "cluster_name": f"pr-{i}",
                        "namespace": namespace,
                        "operator_namespace": shared.operator_namespace,
                        "helm_release_name": shared.helm_release_name,
                        "chart_repository": shared.chart_repository,
                        "chart_version": shared.chart_version,
                        "storage_class": shared.storage_class,
                        "flux_source_kind": shared.flux_source_kind,
                    }
                )
            )
        )
    return plans


def run_once(bench: Bench, count: int, concurrency: int) -> tuple[float, int]:
    """Seconds for one `apply --each`, and the product's API request count."""
    plans = _plans(bench, count)
    bench.audit.mark()
    bench.helm.clear()
    start = time.perf_counter()
    result = apply_each(
        plans,
        lambda: connect_cluster(bench.state.kubeconfig),
        progress_for=lambda _name: NullProgress(),
        concurrency=concurrency,
    )
    seconds = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"apply --each failed: {result.summary()}")
    upgrades = [c for c in bench.helm.commands() if c == "upgrade"]
    if len(upgrades) != 1:
        raise SystemExit(f"expected one helm upgrade for the batch, got {upgrades}")
    return seconds, len(bench.audit.requests())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--previews", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1, help="ignored: one run each")
    args = parser.parse_args()
    count = max(1, args.previews)
    rows = []
    serial = 0.0
    with tempfile_folder() as folder, e2e_cluster(folder) as bench:
        for concurrency in (1, DEFAULT_CONCURRENCY):
            seconds, requests = run_once(bench, count, concurrency)
            serial = serial or seconds
            label = "" if concurrency == 1 else " (the default)"
            rows.append(
                {
                    "what": f"`apply --each`, {count} previews, --concurrency "
                    f"{concurrency}{label} (end-to-end cluster)",
                    "median": f"{seconds:.2f} s",
                    "baseline": f"{requests} requests; 1 helm upgrade",
                    "ratio": "" if concurrency == 1 else f"{serial / seconds:.1f}× faster than 1",
                    "target": "",
                }
            )
    print(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
