"""Runs the Helm CLI: the only subprocess in apply mode.

Argument lists come from the pure builders in ``release.py``; this module only
runs them, writes the one values file (private, deleted afterwards) and turns
failures into the project's errors with helm's own last words (scrubbed of the password
as they enter them, ``redact.foreign``).

Reading the release costs no helm process when a Kubernetes client is at hand:
one API request lists helm's own storage Secrets (``release_secret.py``). helm
is run to read only when that record is in a form this code does not know
(another storage driver, a future format), and otherwise only to install,
upgrade, roll back or uninstall.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import OperationError
from ..plan import OperatorChart
from .api_errors import ApiRequestError
from .kinds import SECRET
from .observe import Observer
from .redact import foreign
from .release import (
    HelmAction,
    HelmTarget,
    HelmVerb,
    ReleaseState,
    StuckReleaseError,
    decide,
    find_release,
    get_values_args,
    history_args,
    last_deployed_in_history,
    list_args,
    parse_values,
    rollback_args,
    uninstall_args,
    upgrade_args,
    values_document,
)
from .release_secret import ReleaseFormatError, StoredRelease, latest_release, release_labels

# Reads (list, get values) are quick; a slow answer means an unreachable cluster.
QUERY_TIMEOUT_SECONDS = 120
# helm's own --timeout covers waiting for resources, not pulling the chart first.
PULL_MARGIN_SECONDS = 120


class HelmError(OperationError):
    """A helm command failed or could not run (exit 1)."""


class HelmNotFoundError(HelmError):
    """No ``helm`` executable: say what to install."""


class StuckReleasePolicyError(HelmError):
    """A stuck release apply leaves alone (see ``release.decide``)."""


# helm's storage drivers (HELM_DRIVER, helm pkg/cli/environment.go); only the
# default one keeps releases in Secrets this code can read.
_SECRET_DRIVERS = frozenset({"", "secret", "secrets"})


_INSTALL_HELM = "Install Helm 3 or 4 (https://helm.sh/docs/intro/install/) and put `helm` on PATH"


class Helm:
    """The Helm CLI (3 or 4), pointed at one cluster (``target``).

    ``executable`` is None for a reader located without helm on PATH (``plan``): the
    release is then read through the API, and only a command that must run helm fails.
    """

    def __init__(
        self, executable: str | None, target: HelmTarget, *, env: Mapping[str, str] | None = None
    ) -> None:
        self.executable = executable
        self.target = target
        self.env = dict(os.environ if env is None else env)
        if target.kubeconfig_list:
            self.env["KUBECONFIG"] = target.kubeconfig_list

    @classmethod
    def locate(
        cls, target: HelmTarget, *, env: Mapping[str, str] | None = None, for_reading: bool = False
    ) -> Helm:
        """helm on PATH; ``for_reading`` (plan) does without it until helm must run."""
        environ = dict(os.environ if env is None else env)
        found = shutil.which("helm", path=environ.get("PATH", os.defpath))
        if found is None and not for_reading:
            raise HelmNotFoundError(
                "the `helm` command was not found on PATH: apply mode installs the "
                f"valkey-operator chart with the Helm CLI. {_INSTALL_HELM}"
            )
        return cls(found, target, env=environ)

    # ---------------------------------------------------------------- queries

    def release(self, chart: OperatorChart, kube: Observer | None = None) -> ReleaseState | None:
        stored = self.stored(chart, kube)
        if isinstance(stored, StoredRelease):
            return stored.state
        if stored is None:
            return None
        return self._listed(chart)

    def stored(self, chart: OperatorChart, kube: Observer | None) -> StoredRelease | object | None:
        """helm's record through the API: the release, None (not installed), or _UNREADABLE."""
        if kube is None or self.env.get("HELM_DRIVER", "").lower() not in _SECRET_DRIVERS:
            return _UNREADABLE
        try:
            secrets = kube.list(SECRET, chart.namespace, release_labels(chart.release_name))
            return latest_release(secrets, chart.release_name)
        except ReleaseFormatError:
            return _UNREADABLE
        except ApiRequestError as error:
            if error.status_code in (401, 403):
                return _UNREADABLE  # helm may hold other credentials; let it answer
            raise

    def _listed(self, chart: OperatorChart) -> ReleaseState | None:
        output = self._run(list_args(chart, self.target), QUERY_TIMEOUT_SECONDS)
        try:
            state = find_release(output, chart.release_name)
            if state is None or not state.stuck:
                return state
            history = self._run(history_args(chart, self.target), QUERY_TIMEOUT_SECONDS)
            return _with_last_deployed(state, last_deployed_in_history(history))
        except ValueError as error:
            raise HelmError(str(error)) from error

    def values(self, chart: OperatorChart) -> dict[str, object]:
        output = self._run(get_values_args(chart, self.target), QUERY_TIMEOUT_SECONDS)
        try:
            return parse_values(output)
        except ValueError as error:
            raise HelmError(str(error)) from error

    def action_for(
        self, chart: OperatorChart, kube: Observer | None = None, *, installed_by_us: bool = False
    ) -> HelmAction:
        """What apply must do. Through the API: one request; else values only when needed."""
        stored = self.stored(chart, kube)
        try:
            if stored is None:
                return decide(chart, None, None)
            if isinstance(stored, StoredRelease):
                return decide(chart, stored.state, stored.values, installed_by_us=installed_by_us)
            state = self._listed(chart)
            no_values_needed = decide(chart, state, None, installed_by_us=installed_by_us)
            if no_values_needed.verb is not HelmVerb.UNCHANGED:
                return no_values_needed
            return decide(chart, state, self.values(chart), installed_by_us=installed_by_us)
        except StuckReleaseError as error:
            raise StuckReleasePolicyError(str(error)) from error

    # ---------------------------------------------------------------- changes

    def upgrade(self, chart: OperatorChart, *, create_namespace: bool, timeout: int) -> None:
        with tempfile.TemporaryDirectory(prefix="wildside-valkey-helm-") as folder:
            values_file = Path(folder) / "values.yaml"
            # Values may hold secrets: readable by us only, and gone afterwards.
            descriptor = os.open(values_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(values_document(chart))
            args = upgrade_args(
                chart,
                str(values_file),
                create_namespace=create_namespace,
                timeout_seconds=timeout,
                target=self.target,
            )
            self._run(args, timeout + PULL_MARGIN_SECONDS)

    def uninstall(self, chart: OperatorChart, *, timeout: int) -> None:
        args = uninstall_args(chart, timeout_seconds=timeout, target=self.target)
        self._run(args, timeout + PULL_MARGIN_SECONDS)

    def rollback(self, chart: OperatorChart, revision: int, *, timeout: int) -> None:
        args = rollback_args(chart, revision, timeout_seconds=timeout, target=self.target)
        self._run(args, timeout + PULL_MARGIN_SECONDS)

    # --------------------------------------------------------------- plumbing

    def _run(self, args: Sequence[str], timeout: float) -> str:
        command = f"helm {args[0]}"
        if self.executable is None:
            # Only reached when helm's record cannot be read through the API.
            raise HelmNotFoundError(
                "the `helm` command was not found on PATH, and helm's record of the operator "
                "release could not be read through the Kubernetes API (HELM_DRIVER is not "
                "`secret`, the record is in a form this tool does not know, or listing Secrets "
                f"was refused), so `{command}` must read it. {_INSTALL_HELM}"
            )
        try:
            result = subprocess.run(
                [self.executable, *args],
                capture_output=True,
                text=True,
                env=self.env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise HelmError(f"{command} did not finish within {timeout:.0f}s") from error
        except FileNotFoundError as error:
            raise HelmNotFoundError(f"cannot run {self.executable}: {error}") from error
        except OSError as error:
            raise HelmError(f"cannot run {self.executable}: {error}") from error
        if result.returncode != 0:
            raise HelmError(
                f"{command} failed (exit {result.returncode}): {_last_words(result.stderr)}"
            )
        return result.stdout


_UNREADABLE = object()


def _with_last_deployed(state: ReleaseState, revision: int | None) -> ReleaseState:
    return ReleaseState(
        state.name, state.namespace, state.status, state.chart, state.revision, revision
    )


def _last_words(stderr: str) -> str:
    """helm's error: its last ``Error:`` line, else its last few lines (no password)."""
    stderr = foreign(stderr)
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    if errors:
        return errors[-1].removeprefix("Error:").strip()
    return " / ".join(lines[-3:]) or "no message"
