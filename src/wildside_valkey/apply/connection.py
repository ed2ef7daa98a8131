"""Where the cluster is, for apply mode: ``kubeconfig.find_cluster``, and helm pointed alike.

The search itself (``--kubeconfig``, ``KUBECONFIG`` merged as kubectl merges it,
``~/.kube/config``, the in-cluster service account) is shared with ``check
--from-secret`` and ``connect(..., from_secret=True)``: see ``wildside_valkey.kubeconfig``.
Helm is pointed at the same configuration and context, so both talk to one cluster.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lightkube import SingleConfig
from lightkube.config.kubeconfig import SERVICE_ACCOUNT

from ..kubeconfig import ClusterConfig, find_cluster
from .release import HelmTarget


@dataclass(frozen=True, slots=True)
class Connection:
    """A resolved cluster: lightkube's configuration, and the same target for helm."""

    config: SingleConfig
    source: str  # for messages: the kubeconfig file(s), or the service account
    helm: HelmTarget

    @property
    def server(self) -> str:
        return str(self.config.cluster.server)

    @property
    def context(self) -> str:
        return str(self.config.context_name)

    def describe(self) -> str:
        return f"{self.server} (context {self.context!r} from {self.source})"


def load_connection(
    kubeconfig: str | Path | None = None,
    context: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    service_account: str | Path = SERVICE_ACCOUNT,
) -> Connection:
    found = find_cluster(kubeconfig, context, environ=environ, service_account=service_account)
    return Connection(found.config, found.source, helm_target(found))


def helm_target(found: ClusterConfig) -> HelmTarget:
    """The same cluster for helm: its --kubeconfig takes one file, so several stay in KUBECONFIG."""
    if not found.files:
        return HelmTarget()  # the service account: helm finds it itself
    if len(found.files) > 1:
        # helm (client-go) merges KUBECONFIG exactly as find_cluster did.
        listed = os.pathsep.join(str(path) for path in found.files)
        return HelmTarget(None, found.config.context_name, kubeconfig_list=listed)
    return HelmTarget(str(found.files[0]), found.config.context_name)
