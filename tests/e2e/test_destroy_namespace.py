"""destroy never deletes a namespace that holds data that is not ours, on the real cluster.

Deleting a namespace deletes everything in it. A namespace apply created is deleted only
when all it still holds is ours or was made by the operator for our ``Valkey`` (the
real StatefulSet controller's pods, the claims of its template, the Secret cert-manager
keeps for the certificate, and what Kubernetes puts into every namespace: see
test_destroy_real_server.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Live
from tests.e2e.support import everything_but, limited_kubeconfig
from wildside_valkey.apply import connect_cluster, destroy, format_destroy

# kind, collection, name, body; and the kinds the real controllers make of it.
TENANTS: list[tuple[str, str, str, dict[str, Any], list[str]]] = [
    (
        "Deployment",
        "/apis/apps/v1/namespaces/{ns}/deployments",
        "web",
        {
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                },
            }
        },
        ["Deployment", "Pod", "ReplicaSet"],
    ),
    (
        "PersistentVolumeClaim",
        "/api/v1/namespaces/{ns}/persistentvolumeclaims",
        "other-app-data",
        {
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            }
        },
        ["PersistentVolumeClaim"],
    ),
    (
        "ConfigMap",
        "/api/v1/namespaces/{ns}/configmaps",
        "settings",
        {"data": {"a": "b"}},
        ["ConfigMap"],
    ),
]


@pytest.mark.parametrize("tenant", TENANTS, ids=[t[0] for t in TENANTS])
def test_a_namespace_holding_something_else_is_kept_and_destroy_says_what(
    live: Live, tenant: tuple[str, str, str, dict[str, Any], list[str]]
) -> None:
    kind, collection, name, body, kinds = tenant
    ns = live.namespace
    plan = live.plan()
    live.apply(plan)
    live.kube.create(
        f"{collection.format(ns=ns)}?fieldManager=kubectl", {"metadata": {"name": name}, **body}
    )

    result = live.destroy(plan)

    assert live.get(f"/api/v1/namespaces/{ns}") is not None
    assert live.valkey() is None, "ours still went"
    [(ref, reason)] = result.kept
    assert str(ref) == f"Namespace {ns}"
    # Named one by one: the object, and what the real controllers made of it (a
    # Deployment's ReplicaSet and Pod).
    held = reason.removeprefix("it still holds ").split(", ")
    assert f"{kind} {ns}/{name}" in held
    assert sorted(h.split()[0] for h in held) == kinds
    report = json.loads(format_destroy(result, "test", "json"))
    assert report["kept"] == [
        {"api_version": "v1", "kind": "Namespace", "namespace": None, "name": ns, "reason": reason}
    ]
    assert f"= kept Namespace {ns}: {reason}" in format_destroy(result, "test")


def test_a_namespace_whose_contents_cannot_be_listed_is_kept(live: Live, tmp_path: Path) -> None:
    ns = live.namespace
    plan = live.plan()
    live.apply(plan)
    kubeconfig, _ = limited_kubeconfig(
        live.kube, live.state, tmp_path / "limited", everything_but("list", "pods")
    )

    with connect_cluster(kubeconfig, retry=live.retry) as kube:
        result = destroy(plan, kube)

    [(ref, reason)] = result.kept
    assert str(ref) == f"Namespace {ns}"
    assert reason == "it still holds Pod (listing is forbidden, so they could not be checked)"


def test_plan_destroy_with_nothing_to_destroy_exits_0_with_detailed_exitcode(live: Live) -> None:
    result = live.run("plan", "--destroy", "--detailed-exitcode", *live.args())
    assert result.returncode == 0, result.stderr
    assert "nothing of this instance was found" in result.stdout
