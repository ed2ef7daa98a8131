"""Every kind the product writes passes the real API server's validation (the real CRD
schemas with their defaults and CEL rules, the built-in types' own validation), and
the operator chart installs with real helm 3 and helm 4."""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Instance, Product, clean_up
from tests.e2e.harness import cluster
from tests.e2e.harness.kube import ApiError, Kube
from wildside_valkey.plan import build_plan
from wildside_valkey.variables import variables_from_mapping

# Every optional object at once: NetworkPolicy, PodDisruptionBudget, ExternalSecret,
# TLS (the Valkey's certIssuer), the proxy and monitoring settings on the Valkey.
EVERYTHING: dict[str, Any] = {
    "mode": "apply",
    "cluster_name": "full",
    "nodes": 3,
    "replicas": 1,
    "network_policy_enabled": True,
    "network_policy_client_namespaces": ["shop-web"],
    "pdb_enabled": True,
    "eso_enabled": True,
    "password_vault_path": "previews/full",
    "tls_enabled": True,
    "cert_issuer_name": "previews-ca",
    "prometheus_enabled": True,
    "service_monitor_enabled": True,
    "external_access_enabled": True,
    "external_access_type": "proxy",
    "external_access_hostname": "full.previews.example",
}


def _path(manifest: dict[str, Any]) -> str:
    group_version = manifest["apiVersion"]
    prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    plural = {
        "Namespace": "namespaces",
        "Secret": "secrets",
        "ConfigMap": "configmaps",
        "ExternalSecret": "externalsecrets",
        "Valkey": "valkeys",
        "NetworkPolicy": "networkpolicies",
        "PodDisruptionBudget": "poddisruptionbudgets",
    }[manifest["kind"]]
    ns = manifest["metadata"].get("namespace")
    where = f"/namespaces/{ns}" if ns else ""
    return f"{prefix}{where}/{plural}/{manifest['metadata']['name']}"


def test_every_kind_the_plan_holds_passes_the_real_validation(kube: Kube) -> None:
    namespace = f"e2e-{secrets.token_hex(3)}"
    plan = build_plan(variables_from_mapping({**EVERYTHING, "namespace": namespace}))
    kinds = {resource.kind for resource in plan.resources}
    assert {"NetworkPolicy", "PodDisruptionBudget", "ExternalSecret", "Valkey"} <= kinds

    refused: dict[str, str] = {}
    for resource in plan.resources:
        manifest = resource.manifest()
        # The namespace must exist for a namespaced dry run; the Namespace itself is real.
        dry_run = manifest["kind"] != "Namespace"
        try:
            answer = kube.apply(
                _path(manifest), manifest, manager="wildside-valkey", dry_run=dry_run
            )
        except ApiError as error:
            refused[str(resource)] = str(error)
            continue
        if manifest["kind"] == "Valkey":
            # The CRD's defaults are applied by the real server: what the contract assumes.
            assert answer["spec"]["clusterPreferredEndpointType"] == "ip"
    kube.delete(f"/api/v1/namespaces/{namespace}")
    assert refused == {}


@pytest.fixture
def own_operator(e2e_cluster: cluster.State, kube: Kube) -> Iterator[list[str]]:
    """Variables for a Valkey with an operator release of its own (its own namespace)."""
    suffix = secrets.token_hex(3)
    args = [
        "--var-file",
        str(e2e_cluster.tfvars),
        "--var",
        f"namespace=e2e-{suffix}",
        "--var",
        f"operator_namespace=e2e-operator-{suffix}",
        "--var",
        f"helm_release_name=vo-{suffix}",
    ]
    yield args
    clean_up(kube, [f"e2e-{suffix}", f"e2e-operator-{suffix}"])


@pytest.mark.parametrize("helm", ["helm", "helm3"])
def test_real_helm_installs_the_chart_and_apply_reads_the_release_from_its_secrets(
    product: Product, own_operator: list[str], kube: Kube, tmp_path: Path, helm: str
) -> None:
    # This helm major version alone answers to `helm` for the product.
    only = tmp_path / "helm-bin"
    only.mkdir()
    (only / "helm").symlink_to(Path(sys.executable).parent / helm)
    product.env["PATH"] = f"{only}{os.pathsep}{product.env['PATH']}"
    operator_namespace = own_operator[5].split("=", 1)[1]
    release = own_operator[7].split("=", 1)[1]
    helm_secrets = f"/api/v1/namespaces/{operator_namespace}/secrets"

    product.ok("apply", *own_operator)

    stored = list(kube.items(helm_secrets, labelSelector="owner=helm"))
    assert [
        (s["metadata"]["labels"]["name"], s["metadata"]["labels"]["status"]) for s in stored
    ] == [(release, "deployed")]
    crd = kube.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/valkeys.hyperspike.io")
    assert crd is not None
    # plan reads the release from the Secrets helm wrote: no changes, and no helm run.
    planned = product.run("plan", "--detailed-exitcode", *own_operator)
    assert planned.returncode == 0, planned.stdout + planned.stderr

    destroyed = json.loads(
        product.ok("destroy", "--output", "json", "--auto-approve", *own_operator).stdout
    )
    assert destroyed["operator"]["action"] == "uninstalled", destroyed["operator"]
    assert list(kube.items(helm_secrets, labelSelector="owner=helm")) == []


def test_the_operators_service_monitor_and_certificate_pass_the_real_crds(
    product: Product, instance: Instance, kube: Kube
) -> None:
    """The objects valkey-operator v0.0.61 makes with monitoring and TLS (the operator
    stand-in builds them as its source does) are accepted by the real CRDs, from the
    modules pinned in e2e/crds, and carry what the variables asked for."""
    product.ok(
        "apply",
        *instance.with_vars(
            "prometheus_enabled=true",
            "service_monitor_enabled=true",
            'prometheus_labels={release = "kube-prometheus"}',
            "tls_enabled=true",
            "cert_issuer_name=previews-ca",
        ),
    )
    ns = instance.namespace
    monitor = kube.get(f"/apis/monitoring.coreos.com/v1/namespaces/{ns}/servicemonitors/cache")
    assert monitor is not None
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus"
    assert monitor["spec"]["endpoints"] == [{"port": "valkey-metrics"}]
    cert = kube.get(f"/apis/cert-manager.io/v1/namespaces/{ns}/certificates/cache")
    assert cert is not None
    assert cert["spec"]["issuerRef"]["name"] == "previews-ca"
    assert cert["spec"]["secretName"] == "cache-tls"
    assert f"cache.{ns}.svc.cluster.local" in cert["spec"]["dnsNames"]
