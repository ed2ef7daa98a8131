"""The operator's Helm release as data: what is installed, what to do, and the exact argv.

Pure: parsing helm's JSON output, deciding between install, upgrade and
nothing, and building every command line happen here without running helm, so
they are tested without a subprocess (``helm.py`` runs them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..plan import OperatorChart

# helm's release statuses (helm pkg/release/common/status.go, v4.1.4; the same
# strings in v3's pkg/release/status.go). A pending one means a helm process
# holds the release: `helm upgrade` refuses it with "another operation
# (install/upgrade/rollback) is in progress" (pkg/action/upgrade.go, v4.1.4
# line 242, v3.21.4 line 219) until it is rolled back or uninstalled.
DEPLOYED = "deployed"
SUPERSEDED = "superseded"
PENDING_STATUSES = ("pending-install", "pending-upgrade", "pending-rollback")


@dataclass(frozen=True, slots=True)
class HelmTarget:
    """Which cluster helm talks to: the same kubeconfig and context as the API client."""

    kubeconfig: str | None = None
    context: str | None = None
    # Several kubeconfig files (KUBECONFIG): helm's --kubeconfig takes one, so
    # helm gets the same list in its environment and merges it as kubectl does.
    kubeconfig_list: str | None = None

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
    # The newest revision that was deployed (status deployed or superseded):
    # where a stuck release rolls back to. None when unknown or never deployed.
    last_deployed_revision: int | None = None
    # Where the state came from: "api" (helm's release Secret) or "helm" (the CLI).
    source: str = "helm"

    @property
    def stuck(self) -> bool:
        return self.status in PENDING_STATUSES


class HelmVerb(Enum):
    INSTALL = "install"
    UPGRADE = "upgrade"
    UNCHANGED = "unchanged"
    # A release stuck in a pending-* status: what an operator does by hand.
    ROLLBACK = "rollback"  # to the last deployed revision, then upgrade if still needed
    REINSTALL = "reinstall"  # a first install that never deployed: uninstall, install


@dataclass(frozen=True, slots=True)
class HelmAction:
    """What apply does with the operator release, and why."""

    verb: HelmVerb
    chart: OperatorChart
    reason: str
    rollback_to: int | None = None  # the revision a ROLLBACK returns to
    status: str | None = None  # the release's status as found (None: not installed)

    @property
    def changes(self) -> bool:
        return self.verb is not HelmVerb.UNCHANGED

    def describe(self) -> str:
        where = f"{self.chart.release_name} in namespace {self.chart.namespace}"
        what = f"{self.chart.chart_reference} {self.chart.version}"
        if self.verb is HelmVerb.UNCHANGED:
            return f"operator release {where}: up to date ({what})"
        if self.verb is HelmVerb.ROLLBACK:
            return (
                f"operator release {where}: roll back to revision {self.rollback_to}, "
                f"then upgrade to {what} if still needed ({self.reason})"
            )
        if self.verb is HelmVerb.REINSTALL:
            return f"operator release {where}: uninstall, then install {what} ({self.reason})"
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
            "status": self.status,
            "rollback_to": self.rollback_to,
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


class StuckReleaseError(ValueError):
    """A stuck release apply must not touch: not ours to uninstall, nothing to roll back to."""


def decide(
    chart: OperatorChart,
    state: ReleaseState | None,
    live_values: Mapping[str, Any] | None,
    *,
    installed_by_us: bool = False,
) -> HelmAction:
    """Install when absent; upgrade when the chart, the values or the status differ.

    A pending release is recovered as an operator would by hand: rolled back to
    its last deployed revision, or, when it never deployed and we installed it,
    uninstalled and installed again. Anything else raises StuckReleaseError.
    """
    if state is None:
        return HelmAction(HelmVerb.INSTALL, chart, "the release is not installed")
    if state.stuck:
        return _recover(chart, state, installed_by_us=installed_by_us)
    if state.status != DEPLOYED:
        return HelmAction(
            HelmVerb.UPGRADE, chart, f"the release is {state.status}", status=state.status
        )
    if not chart_matches(state, chart):
        return HelmAction(
            HelmVerb.UPGRADE,
            chart,
            f"installed chart is {state.chart}, wanted {chart.version}",
            status=state.status,
        )
    if live_values is not None and not same_values(live_values, chart.values_dict()):
        return HelmAction(HelmVerb.UPGRADE, chart, "the chart values differ", status=state.status)
    return HelmAction(
        HelmVerb.UNCHANGED, chart, "same chart version and values, deployed", status=state.status
    )


def _recover(chart: OperatorChart, state: ReleaseState, *, installed_by_us: bool) -> HelmAction:
    stuck = f"the release is stuck in {state.status} (revision {state.revision})"
    if state.last_deployed_revision is not None:
        return HelmAction(
            HelmVerb.ROLLBACK,
            chart,
            f"{stuck}; revision {state.last_deployed_revision} was the last deployed",
            rollback_to=state.last_deployed_revision,
            status=state.status,
        )
    where = f"--namespace {chart.namespace}"
    if installed_by_us:
        return HelmAction(
            HelmVerb.REINSTALL,
            chart,
            f"{stuck} and never deployed; wildside-valkey installed it",
            status=state.status,
        )
    raise StuckReleaseError(
        f"operator release {chart.release_name} in namespace {chart.namespace}: {stuck}, "
        "no revision of it ever deployed, and wildside-valkey did not install it, so apply "
        "leaves it alone. If no helm process is still working on it, remove it with "
        f"`helm uninstall {chart.release_name} {where}` and run apply again"
    )


def same_values(live: Any, desired: Any) -> bool:
    """Equal as helm's JSON sees them: a boolean is never a number or a string.

    Python says ``True == 1``; helm's values are JSON, where ``true``, ``1`` and
    ``"1"`` differ. Numbers compare by value (helm decodes every JSON number as
    a float64, so ``3`` and ``3.0`` are one value).
    """
    if isinstance(desired, Mapping):
        return (
            isinstance(live, Mapping)
            and set(live) == set(desired)
            and all(same_values(live[key], desired[key]) for key in desired)
        )
    if isinstance(desired, (list, tuple)):
        return (
            isinstance(live, (list, tuple))
            and len(live) == len(desired)
            and all(same_values(a, b) for a, b in zip(live, desired, strict=True))
        )
    if isinstance(desired, bool) or isinstance(live, bool):
        return type(live) is type(desired) and live == desired
    if isinstance(desired, (int, float)):
        return isinstance(live, (int, float)) and float(live) == float(desired)
    if desired is None or isinstance(desired, str):
        return type(live) is type(desired) and live == desired
    # YAML-only scalars (dates) reach helm as their text, as values_document writes them.
    return isinstance(live, str) and live == str(desired)


def values_document(chart: OperatorChart) -> str:
    """The ONE values file (never ``--set``): ``helm_values`` merged, written as JSON.

    helm reads values files as YAML 1.1 (sigs.k8s.io/yaml), where a plain ``y``,
    ``on``, ``no`` or ``1e3`` is a boolean or a number. JSON is YAML that quotes
    every string, so each scalar reaches the chart with the type the user wrote.
    """
    return json.dumps(chart.values_dict(), sort_keys=True, indent=2, default=str) + "\n"


def list_args(chart: OperatorChart, target: HelmTarget) -> list[str]:
    # Every status we act on, named: helm 3 hides pending releases unless asked,
    # and helm 4 has no --all (it lists every status by default); these flags
    # mean the same in both.
    return [
        "list",
        "--namespace",
        chart.namespace,
        "--filter",
        f"^{chart.release_name}$",
        "--deployed",
        "--failed",
        "--pending",
        "--superseded",
        "--output",
        "json",
        *target.flags(),
    ]


def _release_query(verb: tuple[str, ...], chart: OperatorChart, target: HelmTarget) -> list[str]:
    """A read-only helm command about the release, answered in JSON."""
    return [
        *verb,
        chart.release_name,
        "--namespace",
        chart.namespace,
        "--output",
        "json",
        *target.flags(),
    ]


def history_args(chart: OperatorChart, target: HelmTarget) -> list[str]:
    return _release_query(("history",), chart, target)


def last_deployed_in_history(history_output: str) -> int | None:
    """The newest deployed (or since superseded) revision in ``helm history -o json``."""
    try:
        entries = json.loads(history_output or "[]") or []
    except json.JSONDecodeError as error:
        raise ValueError(f"helm history printed something that is not JSON: {error}") from error
    revisions = [
        int(entry["revision"])
        for entry in entries
        if isinstance(entry, dict) and entry.get("status") in (DEPLOYED, SUPERSEDED)
    ]
    return max(revisions, default=None)


def rollback_args(
    chart: OperatorChart, revision: int, *, timeout_seconds: int, target: HelmTarget
) -> list[str]:
    args = ["rollback", chart.release_name, str(revision), "--namespace", chart.namespace]
    if chart.wait:
        args.append("--wait")
    return [*args, "--timeout", f"{timeout_seconds}s", *target.flags()]


def get_values_args(chart: OperatorChart, target: HelmTarget) -> list[str]:
    return _release_query(("get", "values"), chart, target)


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
