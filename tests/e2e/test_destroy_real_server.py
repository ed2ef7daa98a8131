"""Destroy, plan --destroy and saved plans with the real garbage collector and namespace
controller (kube-controller-manager) doing what they do on any cluster."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from tests.e2e.conftest import Instance, Product
from tests.e2e.harness.kube import Kube, wait_for


def test_destroy_removes_what_apply_made_and_the_collector_takes_the_rest(
    product: Product, instance: Instance, kube: Kube
) -> None:
    ns = instance.namespace
    product.ok("apply", *instance.args)
    preview = json.loads(product.ok("plan", "--destroy", "--output", "json", *instance.args).stdout)

    destroyed = json.loads(
        product.ok("destroy", "--output", "json", "--auto-approve", *instance.args).stdout
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
    product: Product, instance: Instance, kube: Kube
) -> None:
    ns = instance.namespace
    product.ok("apply", *instance.args)
    kube.create(
        f"/api/v1/namespaces/{ns}/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}},
    )
    preview = json.loads(product.ok("plan", "--destroy", "--output", "json", *instance.args).stdout)

    destroyed = product.ok("destroy", "--output", "json", "--auto-approve", *instance.args)

    report = json.loads(destroyed.stdout)
    assert report["kept"] == preview["kept"]
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
    product: Product, instance: Instance, kube: Kube, tmp_path: Path
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

    refused = product.run(
        "apply", "--plan", str(saved), "--kubeconfig", str(product.state.kubeconfig)
    )

    assert refused.returncode == 1, refused.stderr
    assert "the cluster changed since the plan was saved" in refused.stderr
    assert f"valkeys/{ns}/cache" in refused.stderr or f"Valkey {ns}/cache" in refused.stderr
    valkey = kube.get(f"/apis/hyperspike.io/v1/namespaces/{ns}/valkeys/cache")
    assert valkey is not None
    assert valkey["spec"]["nodes"] == 1  # the default: the saved nodes=4 was not applied
