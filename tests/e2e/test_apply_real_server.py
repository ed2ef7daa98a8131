"""Apply mode against the real kube-apiserver: converge, re-apply, change, conflict.

Writes are counted from the API server's audit log (its record of each request
and who sent it), not by the client under test.
"""

from __future__ import annotations

import json

from tests.e2e.conftest import AuditLog, Instance, Product
from tests.e2e.harness.kube import Kube

VALKEYS = "/apis/hyperspike.io/v1/namespaces/{ns}/valkeys"


def _valkey(kube: Kube, instance: Instance) -> dict[str, object]:
    found = kube.get(f"{VALKEYS.format(ns=instance.namespace)}/{instance.cluster_name}")
    assert found is not None
    return found


def test_a_fresh_apply_converges_and_prints_the_contract(
    product: Product, instance: Instance, kube: Kube
) -> None:
    applied = product.ok("apply", *instance.with_vars("nodes=3"))

    contract = json.loads(applied.stdout)
    assert contract["endpoints"]["primary_host"] == (
        f"cache.{instance.namespace}.svc.cluster.local"
    )
    valkey = _valkey(kube, instance)
    assert valkey["status"] == {"ready": True}
    sts = kube.get(f"/apis/apps/v1/namespaces/{instance.namespace}/statefulsets/cache")
    assert sts is not None
    # The real StatefulSet controller made the pods and kwok ran them: 3 nodes x (0 + 1).
    assert sts["status"]["readyReplicas"] == 3
    pods = list(kube.items(f"/api/v1/namespaces/{instance.namespace}/pods"))
    assert sorted(p["metadata"]["name"] for p in pods) == ["cache-0", "cache-1", "cache-2"]
    assert all(p["status"]["phase"] == "Running" for p in pods)


def test_a_no_op_re_apply_sends_no_write_and_runs_no_helm(
    product: Product, instance: Instance, audit: AuditLog
) -> None:
    product.ok("apply", *instance.args)
    audit.mark()

    again = product.ok("apply", *instance.args)

    assert json.loads(again.stdout)["endpoints"]["primary_port"] == 6379
    assert audit.writes() == []
    helm = [e for e in audit.events() if e.get("userAgent", "").startswith("Helm/")]
    assert helm == [], "the second apply ran helm"


def test_changing_one_variable_writes_only_the_object_that_holds_it(
    product: Product, instance: Instance, audit: AuditLog, kube: Kube
) -> None:
    product.ok("apply", *instance.args)
    before = _valkey(kube, instance)
    audit.mark()

    product.ok("apply", *instance.with_vars('resource_limits={cpu = "750m", memory = "1Gi"}'))

    after = _valkey(kube, instance)
    assert audit.writes() == [f"patch valkeys {instance.namespace}/cache"]
    changed = {
        key
        for key in set(before["spec"]) | set(after["spec"])  # type: ignore[call-overload]
        if before["spec"].get(key) != after["spec"].get(key)  # type: ignore[attr-defined]
    }
    assert changed == {"resources"}
    assert after["spec"]["resources"]["limits"] == {"cpu": "750m", "memory": "1Gi"}  # type: ignore[index]


def test_a_field_another_manager_owns_conflicts_until_forced(
    product: Product, instance: Instance, kube: Kube
) -> None:
    product.ok("apply", *instance.args)
    path = f"{VALKEYS.format(ns=instance.namespace)}/cache"
    kube.apply(
        path,
        {
            "apiVersion": "hyperspike.io/v1",
            "kind": "Valkey",
            "metadata": {"name": "cache", "namespace": instance.namespace},
            "spec": {"image": "registry.example/valkey:someone-elses"},
        },
        manager="someone-else",
    )

    refused = product.run("apply", *instance.with_vars("image=valkey/valkey:8.1"))
    assert refused.returncode == 1, refused.stderr
    assert "Traceback" not in refused.stderr
    assert ".spec.image is managed by 'someone-else'" in refused.stderr
    assert "re-run with --force-conflicts" in refused.stderr

    forced = product.ok(
        "apply", *instance.with_vars("image=valkey/valkey:8.1"), "--force-conflicts"
    )
    assert f"~ updated Valkey {instance.namespace}/cache (spec.image)" in forced.stderr
    valkey = _valkey(kube, instance)
    assert valkey["spec"]["image"] == "valkey/valkey:8.1"  # type: ignore[index]
    owners = {
        entry["manager"]
        for entry in valkey["metadata"]["managedFields"]  # type: ignore[index]
        if "f:image" in json.dumps(entry.get("fieldsV1", {}))
    }
    assert owners == {"wildside-valkey"}
