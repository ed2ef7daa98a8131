"""A first apply against an empty (fake) cluster: the exact requests, helm, each variant."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cases.harness import crds_dir
from tests.fakes.cluster import FakeCluster, apply_plan_for
from tests.fakes.kube_sim import install_valkey_crd, simulate_external_secrets
from wildside_valkey.apply import ApiRequestError
from wildside_valkey.apply.marker import MARKER_NAME
from wildside_valkey.apply.ownership import FIELD_MANAGER

SELECTOR = (
    "app.kubernetes.io/managed-by=wildside-valkey,wildside-valkey.io/cluster=valkey,"
    "wildside-valkey.io/cluster-namespace=valkey"
)
INSTANCE_LABELS = {
    "app.kubernetes.io/managed-by": "wildside-valkey",
    "wildside-valkey.io/cluster": "valkey",
    "wildside-valkey.io/cluster-namespace": "valkey",
}
MARKER = f"/api/v1/namespaces/valkey-system/configmaps/{MARKER_NAME}"


def stored(cluster: FakeCluster, resource: str, namespace: str | None, name: str) -> Any:
    obj = cluster.api.get(resource, namespace, name)
    assert obj is not None, f"{resource} {namespace}/{name} was not created"
    return obj


def test_fresh_apply_of_the_defaults_sends_exactly_these_requests(
    fake_cluster: FakeCluster,
) -> None:
    result = fake_cluster.apply(apply_plan_for())

    assert fake_cluster.calls() == [
        "GET /api/v1/namespaces/valkey-system",
        "GET /api/v1/namespaces/valkey",
        # helm's own record of the release: one list instead of `helm list` + `get values`
        "GET /api/v1/namespaces/valkey-system/secrets",
        "PATCH /api/v1/namespaces/valkey-system",
        "PATCH /api/v1/namespaces/valkey",
        f"PATCH {MARKER}",
        "GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/valkeys.hyperspike.io",
        "PATCH /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
        "GET /api/v1/namespaces/valkey/secrets/valkey",
        # Forming (no status yet), then the operator's StatefulSet rolled out, then ready.
        "GET /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
        "GET /apis/apps/v1/namespaces/valkey/statefulsets/valkey",
        "GET /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
    ]
    patches = [r for r in fake_cluster.requests() if r.method == "PATCH"]
    assert {r.content_type for r in patches} == {"application/apply-patch+yaml"}
    assert {r.query["fieldManager"] for r in patches} == {FIELD_MANAGER}
    assert all("force" not in r.query for r in patches)

    [release_list] = [r for r in fake_cluster.requests() if r.path.endswith("/secrets")]
    assert release_list.query["labelSelector"] == "owner=helm,name=valkey-operator"
    [upgrade] = fake_cluster.helm.calls()
    values_file = upgrade.option("--values")
    assert upgrade.argv == [
        "upgrade",
        "--install",
        "valkey-operator",
        "oci://ghcr.io/hyperspike/valkey-operator",
        "--version",
        "v0.0.61-chart",
        "--namespace",
        "valkey-system",
        "--create-namespace",
        "--values",
        values_file,
        "--reset-values",
        "--wait",
        "--timeout",
        "5s",
        "--kubeconfig",
        str(fake_cluster.kubeconfig.path),
        "--kube-context",
        "fake",
    ]
    assert upgrade.values() == [{}]
    assert values_file is not None
    assert not Path(values_file).exists(), "the values file is removed afterwards"

    assert result.contract["credentials"] == {
        "secret_name": "valkey",
        "secret_key": "password",
        "namespace": "valkey",
    }
    valkey = stored(fake_cluster, "valkeys", "valkey", "valkey")
    assert valkey["metadata"]["labels"] == INSTANCE_LABELS
    assert valkey["status"]["ready"] is True
    assert valkey["metadata"]["managedFields"][0]["manager"] == FIELD_MANAGER
    operator_ns = stored(fake_cluster, "namespaces", None, "valkey-system")
    assert operator_ns["metadata"]["labels"]["wildside-valkey.io/component"] == "operator"
    release = fake_cluster.helm.release("valkey-operator", "valkey-system")
    assert release is not None
    assert (release["status"], release["version"]) == ("deployed", "v0.0.61-chart")
    marker = stored(fake_cluster, "configmaps", "valkey-system", MARKER_NAME)
    assert marker["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "wildside-valkey",
        "wildside-valkey.io/component": "operator",
    }
    assert marker["data"] == {
        "release": "valkey-operator",
        "chart": "oci://ghcr.io/hyperspike/valkey-operator",
        "version": "v0.0.61-chart",
    }
    assert [m["manager"] for m in marker["metadata"]["managedFields"]] == [FIELD_MANAGER]


def test_helm_values_reach_helm_as_one_nested_values_file(fake_cluster: FakeCluster) -> None:
    plan = apply_plan_for(
        helm_values=[
            "controllerManager:\n  manager:\n    resources:\n      limits:\n        cpu: 200m\n",
            "controllerManager:\n  replicas: 2\n'dotted.key': kept\n",
        ]
    )
    fake_cluster.apply(plan)
    [upgrade] = fake_cluster.helm.calls("upgrade")
    assert upgrade.values() == [
        {
            "controllerManager": {
                "manager": {"resources": {"limits": {"cpu": "200m"}}},
                "replicas": 2,
            },
            "dotted.key": "kept",
        }
    ]
    assert not any(arg.startswith("--set") for arg in upgrade.argv)


def test_inline_password_becomes_our_secret_before_the_valkey(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(apply_plan_for(password_inline="inline-canary"))
    secret = stored(fake_cluster, "secrets", "valkey", "valkey-password")
    assert secret["data"] == {"password": base64.b64encode(b"inline-canary").decode()}
    assert secret["metadata"]["labels"] == INSTANCE_LABELS
    valkey = stored(fake_cluster, "valkeys", "valkey", "valkey")
    assert valkey["spec"]["servicePassword"] == {"name": "valkey-password", "key": "password"}
    patches = fake_cluster.mutating()
    assert patches.index("PATCH /api/v1/namespaces/valkey/secrets/valkey-password") < (
        patches.index("PATCH /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey")
    )
    assert fake_cluster.operator.created == [
        "poddisruptionbudgets/valkey/valkey",
        "statefulsets/valkey/valkey",
    ]


def test_external_secrets_create_the_secret_that_apply_waits_for(
    fake_cluster: FakeCluster,
) -> None:
    eso = simulate_external_secrets(fake_cluster.api, {"valkey/prod": {"password": "vault-pw"}})
    plan = apply_plan_for(eso_enabled=True, password_vault_path="valkey/prod")
    result = fake_cluster.apply(plan)
    external = stored(fake_cluster, "externalsecrets", "valkey", "valkey-password")
    assert external["spec"]["secretStoreRef"] == {
        "kind": "ClusterSecretStore",
        "name": "vault-backend",
    }
    assert eso.synced == ["valkey/valkey-password"]
    assert "GET /api/v1/namespaces/valkey/secrets/valkey-password" in fake_cluster.calls()
    assert result.contract["credentials"]["secret_name"] == "valkey-password"
    # ESO's Secret is its own: never in our field manager's hands.
    secret = stored(fake_cluster, "secrets", "valkey", "valkey-password")
    assert FIELD_MANAGER not in [m["manager"] for m in secret["metadata"]["managedFields"]]


def test_anonymous_auth_has_no_credentials_to_wait_for(fake_cluster: FakeCluster) -> None:
    result = fake_cluster.apply(apply_plan_for(anonymous_auth=True))
    assert result.contract["credentials"] is None
    assert stored(fake_cluster, "valkeys", "valkey", "valkey")["spec"]["anonymousAuth"] is True
    assert not [path for path in fake_cluster.calls() if "/namespaces/valkey/secrets" in path]
    assert fake_cluster.operator.created == [
        "poddisruptionbudgets/valkey/valkey",
        "statefulsets/valkey/valkey",
    ]


def test_tls_settings_reach_the_valkey(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(
        apply_plan_for(tls_enabled=True, cert_issuer_name="ca", cert_issuer_type="Issuer")
    )
    spec = stored(fake_cluster, "valkeys", "valkey", "valkey")["spec"]
    assert (spec["tls"], spec["certIssuer"], spec["certIssuerType"]) == (True, "ca", "Issuer")


@pytest.mark.parametrize(("enabled", "replicas"), [(True, 1), (True, 0), (False, 1)])
def test_pdb_only_when_enabled_with_replicas(
    fake_cluster: FakeCluster, enabled: bool, replicas: int
) -> None:
    fake_cluster.apply(apply_plan_for(pdb_enabled=enabled, replicas=replicas))
    ours = fake_cluster.api.get("poddisruptionbudgets", "valkey", "pdb-valkey")
    if enabled and replicas:
        assert ours is not None
        assert ours["spec"]["minAvailable"] == 1
        assert fake_cluster.mutating()[-1] == (
            "PATCH /apis/policy/v1/namespaces/valkey/poddisruptionbudgets/pdb-valkey"
        )
    else:
        assert ours is None


def test_existing_namespaces_are_used_when_not_created(fake_cluster: FakeCluster) -> None:
    for name in ("valkey", "valkey-system"):
        fake_cluster.api.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    fake_cluster.reset_records()
    fake_cluster.apply(apply_plan_for(create_namespaces=False))
    assert fake_cluster.mutating() == [
        f"PATCH {MARKER}",
        "PATCH /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
    ]
    [upgrade] = fake_cluster.helm.calls("upgrade")
    assert not upgrade.has_flag("--create-namespace")
    namespace = stored(fake_cluster, "namespaces", None, "valkey")
    assert "wildside-valkey.io/cluster" not in namespace["metadata"]["labels"]


def test_a_missing_namespace_that_we_may_not_create_is_a_clear_error(
    fake_cluster: FakeCluster,
) -> None:
    # The release marker is the first write, into the operator's namespace: the
    # error comes before helm runs, so nothing is left half-installed.
    with pytest.raises(ApiRequestError, match='namespace "valkey-system" does not exist'):
        fake_cluster.apply(apply_plan_for(create_namespaces=False))
    assert fake_cluster.helm_commands() == []


def test_the_valkey_waits_for_the_crd_to_be_established(
    make_fake_kube: Any, fake_cluster: FakeCluster
) -> None:
    fake_cluster.api.delete_object("customresourcedefinitions", None, "valkeys.hyperspike.io")
    install_valkey_crd(fake_cluster.api, established_after_gets=3)
    fake_cluster.reset_records()
    fake_cluster.apply(apply_plan_for())
    calls = fake_cluster.calls()
    crd = "GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/valkeys.hyperspike.io"
    valkey_patch = calls.index("PATCH /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey")
    assert calls[:valkey_patch].count(crd) == 3


def test_a_chart_from_an_https_repository_uses_repo(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(
        apply_plan_for(
            chart_repository="https://hyperspike.github.io/valkey-operator",
            flux_source_kind="HelmRepository",
        )
    )
    [upgrade] = fake_cluster.helm.calls("upgrade")
    assert upgrade.argv[3] == "valkey-operator"
    assert upgrade.option("--repo") == "https://hyperspike.github.io/valkey-operator"


def test_server_defaults_from_the_real_crd_are_not_changes(fake_cluster: FakeCluster) -> None:
    crd = yaml.safe_load((crds_dir() / "hyperspike.io_valkeys.yaml").read_text())
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    fake_cluster.api.delete_object("customresourcedefinitions", None, "valkeys.hyperspike.io")
    install_valkey_crd(fake_cluster.api, schema=schema)
    plan = apply_plan_for(tls_enabled=True, cert_issuer_name="ca", external_access_enabled=True)
    fake_cluster.apply(plan)
    spec = stored(fake_cluster, "valkeys", "valkey", "valkey")["spec"]
    assert spec["clusterPreferredEndpointType"] == "ip", "the CRD default was applied"
    assert spec["externalAccess"]["type"] == "LoadBalancer"
    fake_cluster.reset_records()
    assert fake_cluster.plan_changes(plan).is_empty


def test_the_release_marker_never_carries_secrets_or_values(fake_cluster: FakeCluster) -> None:
    canary = "marker-canary-3b1f"
    fake_cluster.apply(
        apply_plan_for(
            password_inline=canary,
            helm_values=[f"webhook:\n  token: {canary}\n"],
            chart_repository="https://hyperspike.github.io/valkey-operator",
            flux_source_kind="HelmRepository",
        )
    )
    marker = stored(fake_cluster, "configmaps", "valkey-system", MARKER_NAME)
    assert marker["data"] == {
        "release": "valkey-operator",
        "chart": "valkey-operator",
        "version": "v0.0.61-chart",
    }
    assert "binaryData" not in marker
    text = json.dumps(marker)
    assert canary not in text
    assert base64.b64encode(canary.encode()).decode() not in text
