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

from tests.conftest import RunCli
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


def test_plan_destroy_reports_the_kept_namespace_and_why_without_deleting(
    run_cli: RunCli, fake_cluster: FakeCluster
) -> None:
    _applied(fake_cluster)
    _seed(fake_cluster, "ConfigMap", "settings", data={"a": "b"})
    fake_cluster.reset_records()
    args = ["plan", "--destroy", "--var", "mode=apply", *fake_cluster.cli_args()]

    text = run_cli([*args, "--detailed-exitcode"])
    as_json = run_cli([*args, "--output", "json"])

    assert text.returncode == 2, text.stderr  # changes present, as tofu's -detailed-exitcode
    reason = "it still holds ConfigMap valkey/settings"
    assert "  - delete Valkey valkey/valkey\n" in text.stdout
    assert f"  = keep Namespace valkey: {reason}\n" in text.stdout
    assert "  - delete Namespace valkey\n" not in text.stdout
    assert text.stdout.rstrip().endswith("no other Valkey resource uses it")
    report = json.loads(as_json.stdout)
    assert report["destroy"] is True
    assert {
        "kind": "Valkey",
        "namespace": "valkey",
        "name": "valkey",
        "api_version": ("hyperspike.io/v1"),
    } in report["delete"]
    assert [(k["name"], k["reason"]) for k in report["kept"]] == [("valkey", reason)]
    assert report["operator"]["action"] == "uninstall"
    assert fake_cluster.mutating() == [], "a plan deletes nothing"
    assert fake_cluster.helm_commands() == []
    # What plan promised is what destroy then does.
    done = run_cli(["destroy", "--var", "mode=apply", "--output", "json", *fake_cluster.cli_args()])
    assert done.returncode == 0, done.stderr
    destroyed = json.loads(done.stdout)
    assert destroyed["deleted"] == report["delete"]
    assert destroyed["kept"] == report["kept"]


def test_plan_destroy_with_nothing_to_destroy_exits_0_with_detailed_exitcode(
    run_cli: RunCli, fake_cluster: FakeCluster
) -> None:
    args = ["plan", "--destroy", "--detailed-exitcode", "--var", "mode=apply"]
    result = run_cli([*args, *fake_cluster.cli_args()])
    assert result.returncode == 0, result.stderr
    assert "nothing of this instance was found" in result.stdout


def test_plan_destroy_cannot_be_saved(run_cli: RunCli, fake_cluster: FakeCluster) -> None:
    args = ["plan", "--destroy", "--out", "p.plan", "--var", "mode=apply"]
    result = run_cli([*args, *fake_cluster.cli_args()])
    assert result.returncode == 2
    assert "--out saves apply plans only" in result.stderr
