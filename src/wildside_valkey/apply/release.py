"""The operator's Helm release as data: what is installed, what to do, and the exact argv.

Pure: parsing helm's JSON output, deciding between install, upgrade and
nothing, and building every command line happen here without running helm, so
they are tested without a subprocess (``helm.py`` runs them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

import yaml

from ..plan import OperatorChart


@dataclass(frozen=True, slots=True)
class HelmTarget:
    """Which cluster helm talks to: the same kubeconfig and context as the API client."""

    kubeconfig: str | None = None
    context: str | None = None

    def flags(self) -> list[str]:
        flags: list[str] = []
        if self.kubeconfig:
            flags += ["--kubeconfig", self.kubeconfig]
        if self.context:
            flags += ["--kube-context", self.context]
        return flags


@dataclass(frozen=True, slots=True)
class ReleaseState:
    """One release as ``helm list -o json`` reports it."""

    name: str
    namespace: str
    status: str
    chart: str  # "<chart name>-<chart version>", as helm prints it
    revision: str


class HelmVerb(Enum):
    INSTALL = "install"
    UPGRADE = "upgrade"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class HelmAction:
    """What apply does with the operator release, and why."""

    verb: HelmVerb
    chart: OperatorChart
    reason: str

    @property
    def changes(self) -> bool:
        return self.verb is not HelmVerb.UNCHANGED

    def describe(self) -> str:
        where = f"{self.chart.release_name} in namespace {self.chart.namespace}"
        what = f"{self.chart.chart_reference} {self.chart.version}"
        if self.verb is HelmVerb.UNCHANGED:
            return f"operator release {where}: up to date ({what})"
        return f"operator release {where}: {self.verb.value} {what} ({self.reason})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.verb.value,
            "release": self.chart.release_name,
            "namespace": self.chart.namespace,
            "chart": self.chart.chart_reference,
            "repository": self.chart.repository,
            "version": self.chart.version,
            "reason": self.reason,
        }


def find_release(list_output: str, name: str) -> ReleaseState | None:
    """The release called ``name`` in ``helm list -o json`` output, or None."""
    try:
        items = json.loads(list_output or "[]") or []
    except json.JSONDecodeError as error:
        raise ValueError(f"helm list printed something that is not JSON: {error}") from error
    for item in items:
        if isinstance(item, dict) and item.get("name") == name:
            return ReleaseState(
                name=name,
                namespace=str(item.get("namespace", "")),
                status=str(item.get("status", "")),
                chart=str(item.get("chart", "")),
                revision=str(item.get("revision", "")),
            )
    return None


def parse_values(get_values_output: str) -> dict[str, Any]:
    """``helm get values -o json`` output; ``null`` means no user-supplied values."""
    try:
        values = json.loads(get_values_output or "null")
    except json.JSONDecodeError as error:
        raise ValueError(f"helm get values printed something that is not JSON: {error}") from error
    return values if isinstance(values, dict) else {}


def chart_matches(state: ReleaseState, chart: OperatorChart) -> bool:
    # helm prints "<name>-<version>"; a leading "v" may or may not survive packaging.
    bare = chart.version.removeprefix("v")
    return state.chart in (f"{chart.chart}-{chart.version}", f"{chart.chart}-{bare}")


def decide(
    chart: OperatorChart, state: ReleaseState | None, live_values: dict[str, Any] | None
) -> HelmAction:
    """Install when absent; upgrade when the chart, the values or the status differ."""
    if state is None:
        return HelmAction(HelmVerb.INSTALL, chart, "the release is not installed")
    if state.status != "deployed":
        return HelmAction(HelmVerb.UPGRADE, chart, f"the release is {state.status}")
    if not chart_matches(state, chart):
        return HelmAction(
            HelmVerb.UPGRADE, chart, f"installed chart is {state.chart}, wanted {chart.version}"
        )
    if live_values is not None and _normalised(live_values) != _normalised(chart.values_dict()):
        return HelmAction(HelmVerb.UPGRADE, chart, "the chart values differ")
    return HelmAction(HelmVerb.UNCHANGED, chart, "same chart version and values, deployed")


def _normalised(values: dict[str, Any]) -> Any:
    # Helm stores values as JSON; YAML-only types (dates) compare by their text.
    return json.loads(json.dumps(values, sort_keys=True, default=str))


def values_document(chart: OperatorChart) -> str:
    """The ONE values file: ``helm_values`` merged into nested YAML (never ``--set``)."""
    return yaml.safe_dump(chart.values_dict(), sort_keys=True, default_flow_style=False)


def list_args(chart: OperatorChart, target: HelmTarget) -> list[str]:
    # --all: a pending release is hidden by default, and an upgrade would then fail
    # with a less helpful message than the status we can report.
    return [
        "list",
        "--namespace",
        chart.namespace,
        "--filter",
        f"^{chart.release_name}$",
        "--all",
        "--output",
        "json",
        *target.flags(),
    ]


def get_values_args(chart: OperatorChart, target: HelmTarget) -> list[str]:
    return [
        "get",
        "values",
        chart.release_name,
        "--namespace",
        chart.namespace,
        "--output",
        "json",
        *target.flags(),
    ]


def upgrade_args(
    chart: OperatorChart,
    values_file: str,
    *,
    create_namespace: bool,
    timeout_seconds: int,
    target: HelmTarget,
) -> list[str]:
    args = [
        "upgrade",
        "--install",
        chart.release_name,
        chart.chart_reference,
        "--version",
        chart.version,
        "--namespace",
        chart.namespace,
    ]
    if create_namespace:
        args.append("--create-namespace")
    # --reset-values: the file is the whole truth. Without it helm 3 reuses the
    # previous values when the file is empty, so removed helm_values would stick.
    args += ["--values", values_file, "--reset-values"]
    if chart.wait:
        args.append("--wait")
    args += ["--timeout", f"{timeout_seconds}s"]
    if not chart.is_oci:
        args += ["--repo", chart.repository]
    return [*args, *target.flags()]


def uninstall_args(chart: OperatorChart, *, timeout_seconds: int, target: HelmTarget) -> list[str]:
    args = ["uninstall", chart.release_name, "--namespace", chart.namespace]
    if chart.wait:
        args.append("--wait")
    return [*args, "--timeout", f"{timeout_seconds}s", *target.flags()]
