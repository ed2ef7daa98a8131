"""The product's helm usage checked against real helm binaries (v4 and v3, `make helm`).

No cluster and no registry here, so: every command line the product builds is
run offline and must fail on the unreachable cluster, never on a flag; the
values file the product writes goes through `helm template` of a chart that
echoes its values; and real helm reads, from the fake API server, the release
records the helm stand-in wrote, so the stand-in's output and storage format
are pinned to real helm's.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes import helm_cli
from tests.fakes.cluster import apply_plan_for
from tests.fakes.helm_fake import FakeHelm
from tests.fakes.kube_api import FakeKubeApi
from tests.fakes.kubeconfig import KubeconfigFile, write_kubeconfig
from tests.fakes.plugin import closed_port_url
from tests.helm_real.conftest import ECHO_CHART, RealHelm
from wildside_valkey.apply.release import (
    HelmTarget,
    find_release,
    get_values_args,
    history_args,
    last_deployed_in_history,
    list_args,
    parse_values,
    rollback_args,
    same_values,
    uninstall_args,
    upgrade_args,
    values_document,
)
from wildside_valkey.apply.release_secret import latest_release, release_labels
from wildside_valkey.plan import OperatorChart

# What real helm says when the flags parsed and it went on to reach the cluster.
UNREACHABLE = re.compile(r"kubernetes cluster unreachable", re.IGNORECASE)
FLAG_PROBLEM = re.compile(r"unknown (shorthand )?flag|invalid argument|accepts|requires", re.I)

TRICKY_VALUES = """\
plain_y: "y"
plain_n: "n"
word_on: "on"
word_no: "NO"
sci: "1e3"
hex: "0x1F"
underscored: "1_000"
tilde: "~"
real_bool: true
real_int: 3
real_float: 2.5
nothing: null
nested:
  list: ["yes", 1, false]
  "dotted.key": "off"
"""


def _charts() -> dict[str, OperatorChart]:
    return {
        "oci": apply_plan_for().operator,
        "oci-no-wait": apply_plan_for(helm_wait=False).operator,
        "https-repo": apply_plan_for(
            chart_repository="https://hyperspike.github.io/valkey-operator",
            flux_source_kind="HelmRepository",
        ).operator,
    }


def _command_lines(target: HelmTarget, values_file: str) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for name, chart in _charts().items():
        for create in (True, False):
            lines[f"upgrade {name} create_namespace={create}"] = upgrade_args(
                chart, values_file, create_namespace=create, timeout_seconds=300, target=target
            )
        lines[f"uninstall {name}"] = uninstall_args(chart, timeout_seconds=300, target=target)
        lines[f"rollback {name}"] = rollback_args(chart, 2, timeout_seconds=300, target=target)
        lines[f"list {name}"] = list_args(chart, target)
        lines[f"get values {name}"] = get_values_args(chart, target)
        lines[f"history {name}"] = history_args(chart, target)
    return lines


def _unreachable_kubeconfig(tmp_path: Path) -> KubeconfigFile:
    return write_kubeconfig(tmp_path / "kubeconfig", closed_port_url(), context="prod")


def test_the_real_helm_is_the_pinned_version(real_helm: RealHelm) -> None:
    assert real_helm.version.startswith(real_helm.pinned)


def test_every_command_line_the_product_builds_is_accepted_by_real_helm(
    real_helm: RealHelm, tmp_path: Path
) -> None:
    kubeconfig = _unreachable_kubeconfig(tmp_path)
    values_file = tmp_path / "values.json"
    values_file.write_text(values_document(apply_plan_for().operator), encoding="utf-8")
    target = HelmTarget(str(kubeconfig.path), "prod")
    problems = {}
    for what, argv in _command_lines(target, str(values_file)).items():
        result = real_helm(*argv)
        last = (result.stderr.strip().splitlines() or [""])[-1]
        if result.returncode == 0 or not UNREACHABLE.search(last) or FLAG_PROBLEM.search(last):
            problems[what] = (argv, result.returncode, last)
    assert problems == {}


def test_the_check_itself_catches_a_flag_helm_4_dropped(
    real_helm4: RealHelm, tmp_path: Path
) -> None:
    # helm 3's `list --all` (helm 4 lists every status by default, and has no --all).
    kubeconfig = _unreachable_kubeconfig(tmp_path)
    result = real_helm4("list", "--all", "--kubeconfig", str(kubeconfig.path))
    assert result.stderr.strip() == "Error: unknown flag: --all"


def _template(real_helm: RealHelm, values_file: Path) -> dict[str, Any]:
    result = real_helm("template", "echo", str(ECHO_CHART), "--values", str(values_file))
    assert result.returncode == 0, result.stderr
    [configmap] = [d for d in yaml.safe_load_all(result.stdout) if d]
    received: dict[str, Any] = json.loads(configmap["data"]["values.json"])
    return received


def test_values_reach_the_chart_exactly_as_written(real_helm: RealHelm, tmp_path: Path) -> None:
    chart = apply_plan_for(helm_values=[TRICKY_VALUES]).operator
    values_file = tmp_path / "values.json"
    values_file.write_text(values_document(chart), encoding="utf-8")
    received = _template(real_helm, values_file)
    assert received["plain_y"] == "y"
    assert received["sci"] == "1e3"
    assert received["nested"]["list"] == ["yes", 1, False]
    assert same_values(received, chart.values_dict())


def test_a_yaml_values_file_would_have_changed_them(real_helm: RealHelm, tmp_path: Path) -> None:
    # What the product wrote before (PyYAML leaves `y` and `1e3` unquoted): helm's
    # YAML 1.1 reader turns them into a boolean and a number.
    chart = apply_plan_for(helm_values=[TRICKY_VALUES]).operator
    values_file = tmp_path / "values.yaml"
    values_file.write_text(yaml.safe_dump(chart.values_dict()), encoding="utf-8")
    received = _template(real_helm, values_file)
    assert (received["plain_y"], received["sci"]) == (True, 1000)


# ---------------------------------------------- real helm reads the stand-in's records


@pytest.fixture
def api_and_stand_in(
    make_fake_kube: Any, tmp_path: Path
) -> tuple[FakeKubeApi, KubeconfigFile, FakeHelm]:
    # client-go sends no bearer token over plain http: this server lets it in.
    api = make_fake_kube(require_auth=False)
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", api.url)
    stand_in = FakeHelm(tmp_path / "stand-in", api=api)
    stand_in.root.mkdir()
    return api, kubeconfig, stand_in


def _stand_in(
    stand_in: FakeHelm, *args: str, version: str = "v4.1.4"
) -> subprocess.CompletedProcess[str]:
    env = stand_in.env()
    env["FAKE_HELM_VERSION"] = version
    return subprocess.run(
        [str(stand_in.executable), *args], capture_output=True, text=True, env=env, check=False
    )


def _both(
    real_helm: RealHelm, stand_in: FakeHelm, *args: str
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    return real_helm(*args), _stand_in(stand_in, *args, version=real_helm.pinned)


def test_real_helm_reads_the_release_the_stand_in_stored_and_prints_the_same(
    real_helm: RealHelm, api_and_stand_in: Any, tmp_path: Path
) -> None:
    api, kubeconfig, stand_in = api_and_stand_in
    chart = apply_plan_for(helm_values=[TRICKY_VALUES]).operator
    target = HelmTarget(str(kubeconfig.path))
    for revision_values in ("{}", values_document(chart)):
        values_file = tmp_path / "values.json"
        values_file.write_text(revision_values, encoding="utf-8")
        argv = upgrade_args(
            chart, str(values_file), create_namespace=True, timeout_seconds=60, target=target
        )
        done = _stand_in(stand_in, *argv)
        assert done.returncode == 0, done.stderr

    real, fake = _both(real_helm, stand_in, *list_args(chart, target))
    assert real.returncode == fake.returncode == 0, real.stderr
    [real_item], [fake_item] = json.loads(real.stdout), json.loads(fake.stdout)
    assert set(real_item) == set(fake_item)
    assert find_release(real.stdout, chart.release_name) == find_release(
        fake.stdout, chart.release_name
    )
    assert (real_item["status"], real_item["revision"]) == ("deployed", "2")
    # Both print Go's time.Time String() for `updated`.
    go_time = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000 UTC$"
    assert re.match(go_time, real_item["updated"])
    assert re.match(go_time, fake_item["updated"])

    real, fake = _both(real_helm, stand_in, *get_values_args(chart, target))
    assert real.returncode == fake.returncode == 0, real.stderr
    assert parse_values(real.stdout) == parse_values(fake.stdout) == chart.values_dict()

    real, fake = _both(real_helm, stand_in, *history_args(chart, target))
    assert [(e["revision"], e["status"]) for e in json.loads(real.stdout)] == [
        (1, "superseded"),
        (2, "deployed"),
    ]
    assert set(json.loads(real.stdout)[0]) == set(json.loads(fake.stdout)[0])
    assert last_deployed_in_history(real.stdout) == last_deployed_in_history(fake.stdout) == 2

    # The product's own reader agrees with real helm on the same Secrets.
    selector = release_labels(chart.release_name)
    secrets = [
        s
        for s in api.objects("secrets", chart.namespace)
        if selector.items() <= s["metadata"]["labels"].items()
    ]
    stored = latest_release(secrets, chart.release_name)
    listed = find_release(real_helm(*list_args(chart, target)).stdout, chart.release_name)
    assert stored is not None
    assert listed is not None
    assert (stored.state.status, stored.state.chart, stored.state.revision) == (
        listed.status,
        listed.chart,
        listed.revision,
    )
    assert stored.values == parse_values(real_helm(*get_values_args(chart, target)).stdout)


def test_a_stuck_release_blocks_upgrades_in_real_helm_as_in_the_stand_in(
    real_helm: RealHelm, api_and_stand_in: Any
) -> None:
    _, kubeconfig, stand_in = api_and_stand_in
    stand_in.seed_release(
        "echo",
        "ns",
        chart="echo-values",
        version="0.1.0",
        status="pending-upgrade",
        revision=2,
        history=[{"revision": 1, "status": "deployed"}],
    )
    upgrade = ["upgrade", "--install", "echo", str(ECHO_CHART), "--namespace", "ns"]
    real, fake = _both(real_helm, stand_in, *upgrade, "--kubeconfig", str(kubeconfig.path))
    expected = "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress"
    assert real.stderr.strip().splitlines()[-1] == expected
    assert fake.stderr.strip().splitlines()[-1] == expected
    # helm 4 lists a pending release without any status flag, helm 3 only deployed and
    # failed ones (pkg/action/list.go SetStateMask: v4.1.4 line 330, v3 line 320); the
    # product's own flags list it with both.
    listing = [
        "list",
        "--namespace",
        "ns",
        "--output",
        "json",
        "--kubeconfig",
        str(kubeconfig.path),
    ]
    by_default = ["pending-upgrade"] if real_helm.major >= 4 else []
    real, fake = _both(real_helm, stand_in, *listing)
    assert [i["status"] for i in json.loads(real.stdout)] == by_default
    assert [i["status"] for i in json.loads(fake.stdout)] == by_default
    chart = apply_plan_for(helm_release_name="echo", operator_namespace="ns").operator
    product = list_args(chart, HelmTarget(str(kubeconfig.path)))
    real, fake = _both(real_helm, stand_in, *product)
    assert [i["status"] for i in json.loads(real.stdout)] == ["pending-upgrade"]
    assert [i["status"] for i in json.loads(fake.stdout)] == ["pending-upgrade"]


def test_the_stand_in_reads_a_yaml_values_file_as_real_helm_does(
    real_helm: RealHelm, tmp_path: Path
) -> None:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(
        "a: y\nb: N\nc: 1e3\nd: on\ne: 'y'\nf: 0.5\ng: 7\nh: ~\ni: [yes, off, '1e3']\n",
        encoding="utf-8",
    )
    _, parsed = helm_cli._load_values_file(str(values_file))
    assert same_values(_template(real_helm, values_file), parsed)
