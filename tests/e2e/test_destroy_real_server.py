"""Destroy, plan --destroy and saved plans with the real garbage collector and namespace
controller (kube-controller-manager) doing what they do on any cluster."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from tests.e2e.conftest import AuditLog, Instance, Product
from tests.e2e.harness.kube import Kube, wait_for


def test_destroy_removes_what_apply_made_and_the_collector_takes_the_rest(
    product: Product, instance: Instance, kube: Kube
) -> None:
    ns = instance.namespace
    args = instance.with_vars("nodes=2", "tls_enabled=true", "cert_issuer_name=ca")
    product.ok("apply", *args)
    # The real controllers made the pods and their claims (no owner reference on a claim);
    # cert-manager (not running here) would have made the certificate's Secret, which
    # carries none either: all of it is the Valkey's, none of it keeps the namespace.
    pods = [p["metadata"]["name"] for p in kube.items(f"/api/v1/namespaces/{ns}/pods")]
    claims = kube.items(f"/api/v1/namespaces/{ns}/persistentvolumeclaims")
    assert sorted(pods) == ["cache-0", "cache-1"]
    assert sorted(c["metadata"]["name"] for c in claims) == [
        "valkey-data-cache-0",
        "valkey-data-cache-1",
    ]
    kube.create(
        f"/api/v1/namespaces/{ns}/secrets?fieldManager=cert-manager",
        {
            "metadata": {
                "name": "cache-tls",
                "annotations": {"cert-manager.io/certificate-name": "cache"},
            },
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": "", "tls.key": ""},
        },
    )
    preview = json.loads(product.ok("plan", "--destroy", "--output", "json", *args).stdout)

    destroyed = json.loads(
        product.ok("destroy", "--output", "json", "--auto-approve", *args).stdout
    )

    # plan --destroy said exactly what destroy then did.
    assert preview["delete"] == destroyed["deleted"]
    assert preview["kept"] == destroyed["kept"] == []
    assert {(d["kind"], d["name"]) for d in destroyed["deleted"]} >= {
        ("Valkey", "cache"),
        ("Namespace", ns),
    }
    # The namespace controller empties the namespace (the operator's StatefulSet, its pods
    # and claims, the generated Secret), then removes it.
    wait_for(f"namespace {ns} to go", partial(kube.absent, f"/api/v1/namespaces/{ns}"), timeout=90)


def test_a_namespace_holding_a_foreign_config_map_is_kept_with_its_reason(
    product: Product, instance: Instance, kube: Kube, audit: AuditLog
) -> None:
    ns = instance.namespace
    product.ok("apply", *instance.args)
    kube.create(
        f"/api/v1/namespaces/{ns}/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}},
    )
    audit.mark()
    text = product.run("plan", "--destroy", "--detailed-exitcode", *instance.args)
    preview = json.loads(product.ok("plan", "--destroy", "--output", "json", *instance.args).stdout)
    assert audit.writes() == [], "a plan deletes nothing"
    assert audit.requests(helm=True) == [], "and runs no helm"

    destroyed = product.ok("destroy", "--output", "json", "--auto-approve", *instance.args)

    assert text.returncode == 2, text.stderr  # changes present, as tofu's -detailed-exitcode
    reason = f"it still holds ConfigMap {ns}/settings"
    assert f"  - delete Valkey {ns}/cache\n" in text.stdout
    assert f"  = keep Namespace {ns}: {reason}\n" in text.stdout
    assert f"  - delete Namespace {ns}\n" not in text.stdout
    assert preview["destroy"] is True
    assert preview["operator"]["action"] == "uninstall"
    assert text.stdout.rstrip().endswith("no other Valkey resource uses it")
    report = json.loads(destroyed.stdout)
    assert report["kept"] == preview["kept"]
    assert report["deleted"] == preview["delete"]
    assert [(k["kind"], k["name"]) for k in report["kept"]] == [("Namespace", ns)]
    assert f"ConfigMap {ns}/settings" in report["kept"][0]["reason"]
    # The operator's objects go with the Valkey (garbage collection through owner
    # references); the namespace and the foreign ConfigMap stay.
    sts = f"/apis/apps/v1/namespaces/{ns}/statefulsets/cache"
    wait_for("the StatefulSet to be collected", partial(kube.absent, sts), timeout=60)
    assert kube.get(f"/api/v1/namespaces/{ns}/configmaps/settings") is not None
    assert kube.get(f"/api/v1/namespaces/{ns}") is not None
    kube.delete(f"/api/v1/namespaces/{ns}")


def test_a_saved_plan_is_refused_after_the_cluster_moved(
    product: Product, instance: Instance, kube: Kube, tmp_path: Path, audit: AuditLog
) -> None:
    ns = instance.namespace
    product.ok("apply", *instance.args)
    saved = tmp_path / "change.plan"
    planned = product.run(
        "plan", "--detailed-exitcode", "--out", str(saved), *instance.with_vars("nodes=4")
    )
    assert planned.returncode == 2, planned.stderr
    # Someone else changes the Valkey between plan and apply.
    kube.merge_patch(
        f"/apis/hyperspike.io/v1/namespaces/{ns}/valkeys/cache?fieldManager=someone-else",
        {"metadata": {"labels": {"team": "other"}}},
    )

    audit.mark()
    refused = product.run(
        "apply", "--plan", str(saved), "--kubeconfig", str(product.state.kubeconfig)
    )

    assert refused.returncode == 1, refused.stderr
    assert "the cluster changed since the plan was saved" in refused.stderr
    assert f"Valkey {ns}/cache: resourceVersion " in refused.stderr
    assert audit.writes() == []
    valkey = kube.get(f"/apis/hyperspike.io/v1/namespaces/{ns}/valkeys/cache")
    assert valkey is not None
    assert valkey["spec"]["nodes"] == 1  # the default: the saved nodes=4 was not applied
