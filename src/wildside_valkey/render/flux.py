"""Flux objects for the operator: its chart source, its HelmRelease, and the two
Kustomizations that apply the operator first and the cluster only once it is ready.

The Valkey CRD arrives with the operator's chart, so a single Kustomization
holding both the HelmRelease and the ``Valkey`` resource would fail its
server-side dry-run on the first reconcile; hence two folders and ``dependsOn``.
"""

from __future__ import annotations

from typing import Any

from ..plan import OperatorChart
from ..variables import Variables
from ..variables.derived_names import cluster_kustomization_name, operator_kustomization_name
from . import health

SOURCE_API = "source.toolkit.fluxcd.io/v1"
HELM_API = "helm.toolkit.fluxcd.io/v2"
KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/v1"
HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
RETRY_INTERVAL = "2m"
# Flux's own example (fluxcd/flux2-kustomize-helm-example, infrastructure/
# controllers/*.yaml and apps/base/podinfo/release.yaml at 4f1a5b1, 2026-07)
# retries a failed install or upgrade in place rather than remediating it by
# uninstall/rollback; helm.toolkit.fluxcd.io/v2 of helm-controller v1.6.3 has
# `strategy: {name: RetryOnFailure, retryInterval}` on both actions.
RETRY_STRATEGY = {"name": "RetryOnFailure", "retryInterval": RETRY_INTERVAL}


def flux_path(v: Variables, folder: str) -> str:
    return f"{v.flux_path_prefix.rstrip('/')}/{folder}"


def chart_source(v: Variables, chart: OperatorChart) -> dict[str, Any]:
    metadata = {"name": v.flux_helm_repository_name, "namespace": v.flux_namespace}
    if v.flux_source_kind == "OCIRepository":
        return {
            "apiVersion": SOURCE_API,
            "kind": "OCIRepository",
            "metadata": metadata,
            "spec": {
                "interval": v.flux_helm_repository_interval,
                "url": f"{chart.repository}/{chart.chart}",
                # An exact tag: `-chart` makes the version a semver pre-release,
                # which a range would not select. OCI tags cannot hold `+`, so
                # Helm pushes build metadata as `_`.
                "ref": {"tag": chart.version.replace("+", "_")},
                "layerSelector": {"mediaType": HELM_CHART_LAYER, "operation": "copy"},
            },
        }
    spec: dict[str, Any] = {"interval": v.flux_helm_repository_interval, "url": chart.repository}
    if chart.is_oci:
        spec["type"] = "oci"
    return {"apiVersion": SOURCE_API, "kind": "HelmRepository", "metadata": metadata, "spec": spec}


def helm_release(v: Variables, chart: OperatorChart) -> dict[str, Any]:
    source_ref = {
        "kind": v.flux_source_kind,
        "name": v.flux_helm_repository_name,
        "namespace": v.flux_namespace,
    }
    spec: dict[str, Any] = {
        "interval": v.flux_helm_release_interval,
        "releaseName": chart.release_name,
        "targetNamespace": chart.namespace,
        "storageNamespace": chart.namespace,
    }
    if v.flux_source_kind == "OCIRepository":
        spec["chartRef"] = source_ref
    else:
        spec["chart"] = {
            "spec": {"chart": chart.chart, "version": chart.version, "sourceRef": source_ref}
        }
    spec["install"], spec["upgrade"] = _install_and_upgrade(chart)
    spec["timeout"] = f"{chart.timeout_seconds}s"
    _impersonate(v, spec)
    values = chart.values_dict()
    if values:
        spec["values"] = values
    return {
        "apiVersion": HELM_API,
        "kind": "HelmRelease",
        "metadata": {"name": chart.release_name, "namespace": v.flux_namespace},
        "spec": spec,
    }


def _install_and_upgrade(chart: OperatorChart) -> tuple[dict[str, Any], dict[str, Any]]:
    """How helm-controller installs and upgrades: CRDs too, retried in place on failure."""
    install: dict[str, Any] = {"crds": "CreateReplace", "strategy": dict(RETRY_STRATEGY)}
    upgrade: dict[str, Any] = {
        "crds": "CreateReplace",
        "cleanupOnFail": True,
        "strategy": dict(RETRY_STRATEGY),
    }
    if not chart.wait:
        install["disableWait"] = True
        upgrade["disableWait"] = True
    return install, upgrade


def _kustomization(v: Variables, name: str, folder: str) -> dict[str, Any]:
    return {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": v.flux_namespace},
        "spec": {
            "interval": v.flux_helm_release_interval,
            "path": flux_path(v, folder),
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": v.flux_git_repository_name},
            "wait": True,
            "timeout": f"{v.helm_timeout}s",
            # A failed or timed-out reconcile is tried again soon, not after a whole interval.
            "retryInterval": RETRY_INTERVAL,
        },
    }


def _impersonate(v: Variables, spec: dict[str, Any]) -> None:
    # Under Flux's multi-tenancy lockdown (--default-service-account) an object
    # without serviceAccountName runs as an account without permissions.
    if v.flux_service_account_name:
        spec["serviceAccountName"] = v.flux_service_account_name


def operator_kustomization(v: Variables) -> dict[str, Any]:
    kustomization = _kustomization(v, operator_kustomization_name(v), "operator")
    _impersonate(v, kustomization["spec"])
    return kustomization


def cluster_kustomization(v: Variables) -> dict[str, Any]:
    kustomization = _kustomization(v, cluster_kustomization_name(v), "cluster")
    spec = kustomization["spec"]
    # Namespace-local names only (--no-cross-namespace-refs): all live in flux_namespace.
    spec["dependsOn"] = [{"name": operator_kustomization_name(v)}] + [
        {"name": name} for name in v.flux_depends_on
    ]
    _impersonate(v, spec)
    # Explicit checks (which `wait: true` would ignore) reach the operator's StatefulSet:
    # see health.py for why the Valkey's own status is not enough.
    spec["wait"] = False
    spec["healthChecks"] = health.health_checks(v)
    spec["healthCheckExprs"] = health.health_check_exprs(v)
    return kustomization
