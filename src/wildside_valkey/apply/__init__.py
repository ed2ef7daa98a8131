"""Apply mode: converge a live cluster from the plan (server-side apply and the Helm CLI).

The library API, without the CLI::

    from wildside_valkey.apply import ApplyOptions, apply_plan, connect_cluster, destroy
    from wildside_valkey.apply import plan_changes
    from wildside_valkey.plan import build_plan

    plan = build_plan(variables)                       # variables with mode = "apply"
    with connect_cluster(kubeconfig="~/.kube/config", context="prod") as kube:
        changes = plan_changes(plan, kube)             # read-only: what apply would do
        result = apply_plan(plan, kube, options=ApplyOptions(timeout=300))
        report = destroy(plan, kube)                   # only this instance's objects

Data flows one way: ``observe`` reads the cluster, ``compute_changes`` (pure)
decides, and only ``client.py`` (HTTP) and ``helm.py`` (subprocess) do I/O.
"""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx

from ..kubeconfig import KubeconfigError
from .api_errors import ApiRequestError, ConflictError
from .changes import ChangeSet, LiveState
from .client import DEFAULT_REQUEST_TIMEOUT, KubeClient
from .connection import load_connection
from .destroy import DestroyResult, destroy, preview_destroy
from .helm import Helm, HelmError, HelmNotFoundError
from .operations import ApplyOptions, ApplyResult, apply_plan, plan_changes
from .progress import NullProgress, PlainProgress, Progress, RichProgress
from .report import format_destroy, format_plan
from .retry import PollPolicy, RetryPolicy
from .waiting import WaitTimeoutError

__all__ = [
    "ApiRequestError",
    "ApplyOptions",
    "ApplyResult",
    "ChangeSet",
    "ConflictError",
    "DestroyResult",
    "Helm",
    "HelmError",
    "HelmNotFoundError",
    "KubeClient",
    "KubeconfigError",
    "LiveState",
    "NullProgress",
    "PlainProgress",
    "PollPolicy",
    "Progress",
    "RetryPolicy",
    "RichProgress",
    "WaitTimeoutError",
    "apply_plan",
    "connect_cluster",
    "destroy",
    "format_destroy",
    "format_plan",
    "load_connection",
    "plan_changes",
    "preview_destroy",
]


def connect_cluster(
    kubeconfig: str | Path | None = None,
    context: str | None = None,
    *,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> KubeClient:
    """A client for the cluster of ``kubeconfig``/``context`` (see ``load_connection``)."""
    connection = load_connection(kubeconfig, context)
    return KubeClient.connect(
        connection, request_timeout=request_timeout, retry=retry, transport=transport
    )
