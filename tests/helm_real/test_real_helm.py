"""The product's helm usage checked against real helm binaries (v4 and v3, `make helm`),
offline: every command line the product builds must fail on the unreachable cluster,
never on a flag, and the values file the product writes goes through `helm template` of
a chart that echoes its values.

Real helm against a real cluster (installs, upgrades, rollbacks, its release records and
what the product reads of them): tests/e2e.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.fakes.kubeconfig import KubeconfigFile, write_kubeconfig
from tests.fakes.servers import closed_port_url
from tests.helm_real.conftest import ECHO_CHART, RealHelm
from tests.plans import apply_plan_for
from wildside_valkey.apply.release import (
    HelmTarget,
    get_values_args,
    history_args,
    list_args,
    rollback_args,
    same_values,
    uninstall_args,
    upgrade_args,
    values_document,
)
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
