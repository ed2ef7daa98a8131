"""Benchmark apply mode against the fake API server and the helm stand-in.

Measures a fresh apply and a no-op re-apply of the default variables, in
process, with the library's default retry and poll settings: wall time
(median of --repeat runs), API requests (total and mutating; the helm
stand-in's own requests, which real helm would make too, left out) and helm
processes. The re-apply is measured twice: reading the release from helm's
storage Secret (one API request, no helm process), and with HELM_DRIVER=
configmap, which makes the tool ask the helm CLI (`helm list` + `helm get
values`), as every re-apply did before. Prints a JSON list of rows for
scripts/bench.py (which collects every scripts/bench_*.py). Fails when a
re-apply mutates anything or upgrades helm.

    .venv/bin/python scripts/bench_apply.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.fakes lives beside src/, not in the package

from tests.fakes.cluster import is_helm_request  # noqa: E402
from tests.fakes.helm_fake import FakeHelm, write_launcher  # noqa: E402
from tests.fakes.kube_api import FakeKubeApi  # noqa: E402
from tests.fakes.kube_sim import install_valkey_crd, simulate_valkey_operator  # noqa: E402
from tests.fakes.kubeconfig import write_kubeconfig  # noqa: E402

from wildside_valkey.apply import apply_plan, connect_cluster  # noqa: E402
from wildside_valkey.plan import Plan, build_plan  # noqa: E402
from wildside_valkey.variables import variables_from_mapping  # noqa: E402


@dataclass
class Sample:
    seconds: float
    requests: int
    mutating: int
    helm: list[str]


def _run_once(plan: Plan, api: FakeKubeApi, helm: FakeHelm, kubeconfig: Path) -> Sample:
    api.clear_requests()
    if helm.log_path.exists():
        helm.log_path.unlink()
    start = time.perf_counter()
    with connect_cluster(kubeconfig) as kube:
        apply_plan(plan, kube)
    seconds = time.perf_counter() - start
    ours = [r for r in api.requests() if not is_helm_request(r)]
    return Sample(
        seconds,
        len(ours),
        len([r for r in ours if r.mutating]),
        [call.command for call in helm.calls()],
    )


def fake_cluster(root: Path, api: FakeKubeApi) -> tuple[Path, FakeHelm]:
    """The simulated operator and its CRD on ``api``, a kubeconfig for it, and the helm
    stand-in first on PATH: what every benchmark against the fake server starts from."""
    simulate_valkey_operator(api)
    install_valkey_crd(api)
    kubeconfig = write_kubeconfig(root / "kubeconfig", api.url).path
    helm = FakeHelm(root / "helm", bin_dir=write_launcher(root / "bin"))
    os.environ.update(helm.env())
    return kubeconfig, helm


def measure(repeat: int) -> tuple[list[Sample], list[Sample], list[Sample], list[float]]:
    plan = build_plan(variables_from_mapping({"mode": "apply"}))
    fresh: list[Sample] = []
    again: list[Sample] = []
    by_cli: list[Sample] = []
    helm_runs: list[float] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-apply-") as folder, FakeKubeApi() as api:
            kubeconfig, helm = fake_cluster(Path(folder), api)
            os.environ.pop("HELM_DRIVER", None)
            fresh.append(_run_once(plan, api, helm, kubeconfig))
            again.append(_run_once(plan, api, helm, kubeconfig))
            os.environ["HELM_DRIVER"] = "configmap"  # the tool falls back to the helm CLI
            try:
                by_cli.append(_run_once(plan, api, helm, kubeconfig))
            finally:
                os.environ.pop("HELM_DRIVER")
            helm_runs.append(_helm_floor(helm))
    for sample in again + by_cli:
        if sample.mutating or "upgrade" in sample.helm:
            raise SystemExit(f"a no-op re-apply changed something: {sample}")
    return fresh, again, by_cli, helm_runs


def _helm_floor(helm: FakeHelm) -> float:
    """One `helm list` of the stand-in: the floor under every helm step."""
    import subprocess  # noqa: PLC0415 - only for this measurement

    start = time.perf_counter()
    subprocess.run(
        [str(helm.bin_dir / "helm"), "list", "-o", "json"],
        env=helm.env(),
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - start


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _helm(sample: Sample) -> str:
    count = len(sample.helm)
    return f"{count} helm process{'es' if count != 1 else ''}" + (
        f" ({', '.join(sample.helm)})" if sample.helm else ""
    )


def rows(
    fresh: list[Sample], again: list[Sample], by_cli: list[Sample], helm_runs: list[float]
) -> list[dict[str, str]]:
    fresh_median = statistics.median(s.seconds for s in fresh)
    again_median = statistics.median(s.seconds for s in again)
    cli_median = statistics.median(s.seconds for s in by_cli)
    helm_median = statistics.median(helm_runs)
    first, second, third = fresh[0], again[0], by_cli[0]
    return [
        {
            "what": "`apply` fresh, default variables (fake API server, helm stand-in)",
            "median": _ms(fresh_median),
            "baseline": f"{first.requests} requests ({first.mutating} mutating); {_helm(first)}",
            "ratio": f"{fresh_median / helm_median:.1f}× one helm run ({_ms(helm_median)})",
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
    print(json.dumps(rows(*measure(max(1, args.repeat))), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
