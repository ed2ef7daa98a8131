"""Benchmark apply mode against the end-to-end cluster (`make cluster`: the real API server,
controllers, real helm and the chart server).

Measures a fresh apply and a no-op re-apply of the default variables (in a namespace and
with an operator release of their own), in process, with the library's default retry and
poll settings: wall time (median of --repeat runs, at most 5), the product's API requests
(total and mutating, counted from the API server's audit log; helm's own left out) and
helm processes. The re-apply is measured twice: reading the release from helm's storage
Secret (one API request, no helm process), and with HELM_DRIVER=configmap, which makes the
tool ask the helm CLI (`helm list` + `helm get values`), as every re-apply did before.
Prints a JSON list of rows for scripts/bench.py (which collects every scripts/bench_*.py).
Fails when a re-apply mutates anything or upgrades helm, and when no cluster is up.

    .venv/bin/python scripts/bench_apply.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.e2e lives beside src/, not in the package

from tests.e2e.conftest import (  # noqa: E402
    MUTATING,
    AuditLog,
    HelmRecorder,
    clean_up,
    new_namespace,
)
from tests.e2e.harness import cluster  # noqa: E402
from tests.e2e.harness.kube import Kube  # noqa: E402

from wildside_valkey.apply import apply_plan, connect_cluster  # noqa: E402
from wildside_valkey.plan import Plan, build_plan  # noqa: E402
from wildside_valkey.variables import variables_from_mapping  # noqa: E402

MAX_REPEAT = 5  # each run installs a release on a real cluster


@dataclass
class Sample:
    seconds: float
    requests: int
    mutating: int
    helm: list[str]


@dataclass
class Bench:
    """The running e2e cluster, the audit log and a helm recorder on PATH."""

    state: cluster.State
    kube: Kube
    audit: AuditLog
    helm: HelmRecorder
    namespaces: list[str]

    def plan(self, **variables: object) -> Plan:
        namespace, operator = new_namespace("bench"), new_namespace("bench-operator")
        self.namespaces += [namespace, operator]
        return build_plan(
            variables_from_mapping(
                {
                    "mode": "apply",
                    "namespace": namespace,
                    "operator_namespace": operator,
                    "helm_release_name": f"vo-{operator[-6:]}",
                    "chart_repository": self.state.chart_repository,
                    "chart_version": self.state.chart_version,
                    "storage_class": cluster.STORAGE_CLASS,
                    "flux_source_kind": "HelmRepository",
                    **variables,
                }
            )
        )

    def run_once(self, plan: Plan) -> Sample:
        self.audit.mark()
        self.helm.clear()
        start = time.perf_counter()
        with connect_cluster(self.state.kubeconfig) as kube:
            apply_plan(plan, kube)
        seconds = time.perf_counter() - start
        ours = self.audit.requests()
        return Sample(
            seconds,
            len(ours),
            len([e for e in ours if e["verb"] in MUTATING]),
            self.helm.commands(),
        )


@contextmanager
def e2e_cluster(folder: Path) -> Iterator[Bench]:
    """The cluster `make cluster` started; what the benchmark made is removed afterwards."""
    state = cluster.State.load()
    if state is None or not state.healthy():
        raise SystemExit("no end-to-end cluster is up: run `make cluster` first")
    helm = HelmRecorder(folder / "helm")
    os.environ.update(
        PATH=os.pathsep.join([str(helm.directory), str(Path(sys.executable).parent)])
        + os.pathsep
        + os.environ.get("PATH", ""),
        SSL_CERT_FILE=str(state.pki.trust_bundle),
        HOME=str(folder / "home"),
    )
    with Kube(state.identity()) as kube:
        bench = Bench(state, kube, AuditLog(state.audit_log, kube), helm, [])
        try:
            yield bench
        finally:
            clean_up(kube, bench.namespaces)


def measure(repeat: int, folder: Path) -> tuple[list[Sample], list[Sample], list[Sample], float]:
    fresh: list[Sample] = []
    again: list[Sample] = []
    by_cli: list[Sample] = []
    with e2e_cluster(folder) as bench:
        for _ in range(repeat):
            os.environ.pop("HELM_DRIVER", None)
            plan = bench.plan()
            fresh.append(bench.run_once(plan))
            again.append(bench.run_once(plan))
            # The tool falls back to the helm CLI; helm keeps this release in ConfigMaps.
            os.environ["HELM_DRIVER"] = "configmap"
            try:
                elsewhere = bench.plan()
                bench.run_once(elsewhere)
                by_cli.append(bench.run_once(elsewhere))
            finally:
                os.environ.pop("HELM_DRIVER")
        floor = _helm_floor(bench)
    for sample in again + by_cli:
        if sample.mutating or "upgrade" in sample.helm:
            raise SystemExit(f"a no-op re-apply changed something: {sample}")
    return fresh, again, by_cli, floor


def _helm_floor(bench: Bench) -> float:
    """The median of 5 runs of `helm list` against the cluster: the floor under every
    helm step."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            ["helm", "list", "--all-namespaces", "-o", "json"],
            env={**os.environ, "KUBECONFIG": str(bench.state.kubeconfig)},
            capture_output=True,
            check=True,
        )
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _helm(sample: Sample) -> str:
    count = len(sample.helm)
    return f"{count} helm process{'es' if count != 1 else ''}" + (
        f" ({', '.join(sample.helm)})" if sample.helm else ""
    )


def rows(
    fresh: list[Sample], again: list[Sample], by_cli: list[Sample], helm_floor: float
) -> list[dict[str, str]]:
    fresh_median = statistics.median(s.seconds for s in fresh)
    again_median = statistics.median(s.seconds for s in again)
    cli_median = statistics.median(s.seconds for s in by_cli)
    first, second, third = fresh[0], again[0], by_cli[0]
    return [
        {
            "what": "`apply` fresh, default variables (end-to-end cluster: real API server "
            "and helm; waits for the simulated operator and the StatefulSet)",
            "median": _ms(fresh_median),
            "baseline": f"{first.requests} requests ({first.mutating} mutating); {_helm(first)}",
            "ratio": f"{fresh_median / helm_floor:.1f}× one `helm list` ({_ms(helm_floor)})",
            "target": "",
        },
        {
            "what": "`apply` again, nothing changed (release read from helm's Secret)",
            "median": _ms(again_median),
            "baseline": f"{second.requests} requests ({second.mutating} mutating); {_helm(second)}",
            "ratio": f"{again_median / fresh_median:.2f}× fresh",
            "target": "0 mutating, no helm process",
        },
        {
            "what": "`apply` again, release read by the helm CLI (HELM_DRIVER=configmap; "
            "what every re-apply did before)",
            "median": _ms(cli_median),
            "baseline": f"{third.requests} requests ({third.mutating} mutating); {_helm(third)}",
            "ratio": f"{cli_median / again_median:.2f}× the Secret read",
            "target": "0 mutating, no helm upgrade",
        },
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    repeat = min(MAX_REPEAT, max(1, args.repeat))
    with tempfile_folder() as folder:
        print(json.dumps(rows(*measure(repeat, folder)), indent=2, ensure_ascii=False))
    return 0


@contextmanager
def tempfile_folder() -> Iterator[Path]:
    import tempfile  # noqa: PLC0415 - only for the scratch folder

    with tempfile.TemporaryDirectory(prefix="bench-apply-") as folder:
        yield Path(folder)


if __name__ == "__main__":
    raise SystemExit(main())
