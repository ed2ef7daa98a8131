"""destroy never deletes a namespace that holds data that is not ours.

Deleting a namespace deletes everything in it. A namespace apply created is
deleted only when all it still holds is ours or was made by the operator for our
``Valkey`` (owner references to it, at any depth; the StatefulSet's claims;
cert-manager's Secret for its certificate), or by Kubernetes for every namespace.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fakes.cluster import FakeCluster, apply_plan_for
from wildside_valkey.apply import format_destroy


def _seed(
    cluster: FakeCluster, kind: str, name: str, api_version: str = "v1", **extra: Any
) -> dict[str, Any]:
    metadata = {"name": name, "namespace": "valkey", **extra.pop("metadata", {})}
    return cluster.api.seed(
        {"apiVersion": api_version, "kind": kind, "metadata": metadata, **extra},
        manager="kubectl",
    )


def _owned_by(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "ownerReferences": [
            {
                "apiVersion": obj["apiVersion"],
                "kind": obj["kind"],
                "name": obj["metadata"]["name"],
                "uid": obj["metadata"]["uid"],
                "controller": True,
            }
        ]
    }


def _applied(fake_cluster: FakeCluster, **variables: Any) -> Any:
    plan = apply_plan_for(**variables)
    fake_cluster.apply(plan)
    return plan


@pytest.mark.parametrize(
    ("kind", "api_version", "name", "body"),
    [
        ("Deployment", "apps/v1", "web", {"spec": {"replicas": 1}}),
        (
            "PersistentVolumeClaim",
            "v1",
            "other-app-data",
            {"spec": {"accessModes": ["ReadWriteOnce"]}},
        ),
        ("ConfigMap", "v1", "settings", {"data": {"a": "b"}}),
    ],
)
def test_a_namespace_holding_something_else_is_kept_and_destroy_says_what(
    fake_cluster: FakeCluster, kind: str, api_version: str, name: str, body: dict[str, Any]
) -> None:
    plan = _applied(fake_cluster)
    _seed(fake_cluster, kind, name, api_version, **body)

    result = fake_cluster.destroy(plan)

    assert fake_cluster.api.get("namespaces", None, "valkey") is not None
    assert fake_cluster.api.get("valkeys", "valkey", "valkey") is None, "ours still went"
    reason = f"it still holds {kind} valkey/{name}"
    assert [(str(ref), why) for ref, why in result.kept] == [("Namespace valkey", reason)]
    report = json.loads(format_destroy(result, "test", "json"))
    assert report["kept"] == [
        {
            "api_version": "v1",
            "kind": "Namespace",
            "namespace": None,
            "name": "valkey",
            "reason": reason,
        }
    ]
    assert f"= kept Namespace valkey: {reason}" in format_destroy(result, "test")


def test_what_the_operator_made_for_our_valkey_does_not_keep_the_namespace(
    fake_cluster: FakeCluster,
) -> None:
    plan = _applied(fake_cluster, tls_enabled=True, cert_issuer_name="ca")
    sts = fake_cluster.api.get("statefulsets", "valkey", "valkey")
    assert sts is not None
    pod = _seed(fake_cluster, "Pod", "valkey-0", metadata=_owned_by(sts))
    pod_labels = {"app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": "valkey"}
    _seed(
        fake_cluster,
        "PersistentVolumeClaim",
        "valkey-data-valkey-0",
        metadata={"labels": pod_labels},
    )
    _seed(
        fake_cluster,
        "Secret",
        "valkey-tls",
        metadata={"annotations": {"cert-manager.io/certificate-name": "valkey"}},
    )
    _seed(fake_cluster, "ConfigMap", "kube-root-ca.crt", data={"ca.crt": "x"})
    _seed(fake_cluster, "ServiceAccount", "default")
    assert pod["metadata"]["uid"]

    result = fake_cluster.destroy(plan)

    assert result.kept == ()
    assert fake_cluster.api.get("namespaces", None, "valkey") is None


def test_a_namespace_whose_contents_cannot_be_listed_is_kept(fake_cluster: FakeCluster) -> None:
    plan = _applied(fake_cluster)
    fake_cluster.api.forbid("list", "pods")

    result = fake_cluster.destroy(plan)

    [(ref, reason)] = result.kept
    assert str(ref) == "Namespace valkey"
    assert reason == ("it still holds Pod (listing is forbidden, so they could not be checked)")
