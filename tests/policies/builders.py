"""Manifest sets shaped like the render step's output (default variables and variants).

Built from dicts so each test can change one field and see one rule react.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from wildside_valkey.policies import Finding, Report, Severity, evaluate_manifests

Tree = dict[str, list[dict[str, Any]]]
Credentials = Literal["generated", "inline", "inline-allowed", "eso"]

HELM_CHART_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
ALLOW_PLAINTEXT = "wildside-valkey.io/allow-plaintext-secret"


def flux_kustomization(
    name: str, path: str, *, depends_on: list[str] | None = None, wait: bool = True
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "interval": "10m",
        "path": path,
        "prune": True,
        "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
        "wait": wait,
    }
    if depends_on:
        spec["dependsOn"] = [{"name": d} for d in depends_on]
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": spec,
    }


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def oci_repository() -> dict[str, Any]:
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "OCIRepository",
        "metadata": {"name": "valkey-operator", "namespace": "flux-system"},
        "spec": {
            "interval": "24h",
            "url": "oci://ghcr.io/hyperspike/valkey-operator",
            "ref": {"tag": "v0.0.61-chart"},
            "layerSelector": {"mediaType": HELM_CHART_MEDIA_TYPE, "operation": "copy"},
        },
    }


def helm_repository() -> dict[str, Any]:
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmRepository",
        "metadata": {"name": "valkey-operator", "namespace": "flux-system"},
        "spec": {"interval": "24h", "type": "oci", "url": "oci://ghcr.io/hyperspike"},
    }


def helm_release(source_kind: str = "OCIRepository") -> dict[str, Any]:
    spec: dict[str, Any] = {
        "interval": "1h",
        "releaseName": "valkey-operator",
        "targetNamespace": "valkey-system",
        "install": {"crds": "CreateReplace", "timeout": "600s"},
        "upgrade": {"crds": "CreateReplace", "timeout": "600s"},
        "values": {},
    }
    if source_kind == "OCIRepository":
        spec["chartRef"] = {
            "kind": "OCIRepository",
            "name": "valkey-operator",
            "namespace": "flux-system",
        }
    else:
        spec["chart"] = {
            "spec": {
                "chart": "valkey-operator",
                "version": "v0.0.61-chart",
                "sourceRef": {
                    "kind": "HelmRepository",
                    "name": "valkey-operator",
                    "namespace": "flux-system",
                },
            }
        }
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "valkey-operator", "namespace": "flux-system"},
        "spec": spec,
    }


def valkey(*, tls: bool = False, replicas: int = 0, password: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "nodes": 1,
        "replicas": replicas,
        "anonymousAuth": False,
        "clusterDomain": "cluster.local",
        "prometheus": False,
        "serviceMonitor": False,
        "volumePermissions": False,
        "tls": tls,
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
        "storage": {
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
                "storageClassName": "do-block-storage",
            }
        },
    }
    if tls:
        spec["certIssuer"] = "letsencrypt"
        spec["certIssuerType"] = "ClusterIssuer"
    if password:
        spec["servicePassword"] = {"name": "valkey-password", "key": "password"}
    return {
        "apiVersion": "hyperspike.io/v1",
        "kind": "Valkey",
        "metadata": {
            "name": "valkey",
            "namespace": "valkey",
            "labels": {
                "app.kubernetes.io/managed-by": "wildside-valkey",
                "wildside-valkey.io/cluster": "valkey",
            },
        },
        "spec": spec,
    }


def secret(*, allowed: bool) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "valkey-password", "namespace": "valkey"}
    if allowed:
        metadata["annotations"] = {ALLOW_PLAINTEXT: "true"}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": "Opaque",
        "data": {"password": "c2VjcmV0"},
    }


def external_secret() -> dict[str, Any]:
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "valkey-password", "namespace": "valkey"},
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault-backend"},
            "target": {"name": "valkey-password", "creationPolicy": "Owner"},
            "data": [
                {
                    "secretKey": "password",
                    "remoteRef": {"key": "valkey/prod", "property": "password"},
                }
            ],
        },
    }


def pod_disruption_budget() -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "pdb-valkey", "namespace": "valkey"},
        "spec": {
            "minAvailable": 1,
            "selector": {
                "matchLabels": {
                    "app.kubernetes.io/instance": "valkey",
                    "app.kubernetes.io/name": "valkey",
                    "app.kubernetes.io/component": "valkey",
                }
            },
        },
    }


def render_tree(
    *,
    source_kind: str = "OCIRepository",
    tls: bool = False,
    replicas: int = 0,
    credentials: Credentials = "generated",
    pdb: bool = False,
) -> Tree:
    """The tree render writes for these choices (default arguments: default variables)."""
    root_kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["sync.yaml"],
    }
    source = oci_repository() if source_kind == "OCIRepository" else helm_repository()
    tree: Tree = {
        "kustomization.yaml": [root_kustomization],
        "sync.yaml": [
            flux_kustomization("valkey-operator", "./platform/valkey/operator"),
            flux_kustomization(
                "valkey", "./platform/valkey/cluster", depends_on=["valkey-operator"]
            ),
        ],
        "operator/namespace.yaml": [namespace("valkey-system")],
        "operator/source.yaml": [source],
        "operator/helmrelease.yaml": [helm_release(source_kind)],
        "cluster/namespace.yaml": [namespace("valkey")],
        "cluster/valkey.yaml": [
            valkey(tls=tls, replicas=replicas, password=credentials != "generated")
        ],
    }
    if credentials in ("inline", "inline-allowed"):
        tree["cluster/secret.yaml"] = [secret(allowed=credentials == "inline-allowed")]
    if credentials == "eso":
        tree["cluster/externalsecret.yaml"] = [external_secret()]
    if pdb:
        tree["cluster/poddisruptionbudget.yaml"] = [pod_disruption_budget()]
    return copy.deepcopy(tree)


def only(tree: Tree, path: str) -> dict[str, Any]:
    """The single object of a file, for a test to change in place."""
    (document,) = tree[path]
    return document


def evaluate(tree: Tree) -> Report:
    return evaluate_manifests(tree)


def messages(report: Report, rule: str, severity: Severity | None = None) -> list[str]:
    """The messages one rule produced, sorted."""
    return sorted(
        f.message
        for f in report.findings
        if f.rule == rule and (severity is None or f.severity is severity)
    )


def rules(report: Report) -> list[tuple[str, str]]:
    """(severity, rule) of every finding, sorted: a compact view for "nothing else fired"."""
    return sorted((f.severity.value, f.rule) for f in report.findings)


def by_rule(report: Report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]
