"""Applying again: nothing when nothing changed, only what a changed variable affects."""

from __future__ import annotations

import pytest

from tests.fakes.cluster import FakeCluster, apply_plan_for
from tests.fakes.faults import TransportFault
from wildside_valkey.apply import ApiRequestError, HelmError
from wildside_valkey.apply.changes import Action
from wildside_valkey.apply.marker import MARKER_NAME
from wildside_valkey.apply.release import HelmVerb

VALKEY = "/apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey"
MARKER = f"/api/v1/namespaces/valkey-system/configmaps/{MARKER_NAME}"


def test_second_apply_sends_no_mutating_request_and_runs_no_upgrade(
    fake_cluster: FakeCluster,
) -> None:
    plan = apply_plan_for(password_inline="pw", pdb_enabled=True, replicas=1)
    fake_cluster.apply(plan)
    fake_cluster.reset_records()

    result = fake_cluster.apply(plan)

    assert fake_cluster.mutating() == []
    assert fake_cluster.helm_commands() == []
    assert result.changes.is_empty
    assert result.changes.helm.verb is HelmVerb.UNCHANGED
    assert {c.action for c in result.changes.changes} == {Action.UNCHANGED}
    # The release marker is compared like every other object, not re-applied.
    assert f"ConfigMap valkey-system/{MARKER_NAME}" in [str(c.ref) for c in result.changes.changes]
    assert result.changes.warnings == ()


def test_a_changed_variable_changes_only_the_valkey(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(apply_plan_for())
    fake_cluster.reset_records()
    changes = fake_cluster.plan_changes(apply_plan_for(nodes=3))
    [update] = [c for c in changes.changes if c.action is not Action.UNCHANGED]
    assert (update.action, str(update.ref)) == (Action.UPDATE, "Valkey valkey/valkey")
    assert fake_cluster.mutating() == []

    fake_cluster.apply(apply_plan_for(nodes=3))
    assert fake_cluster.mutating() == [f"PATCH {VALKEY}"]
    assert "upgrade" not in fake_cluster.helm_commands()
    valkey = fake_cluster.api.get("valkeys", "valkey", "valkey")
    assert valkey is not None
    assert (valkey["spec"]["nodes"], valkey["metadata"]["generation"]) == (3, 2)


def test_turning_the_pdb_off_deletes_ours_and_keeps_the_operators(
    fake_cluster: FakeCluster,
) -> None:
    fake_cluster.apply(apply_plan_for(pdb_enabled=True, replicas=1))
    fake_cluster.reset_records()
    fake_cluster.apply(apply_plan_for(pdb_enabled=False, replicas=1))
    assert fake_cluster.mutating() == [
        "DELETE /apis/policy/v1/namespaces/valkey/poddisruptionbudgets/pdb-valkey"
    ]
    assert fake_cluster.api.get("poddisruptionbudgets", "valkey", "valkey") is not None


def test_a_field_no_longer_set_is_removed(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(apply_plan_for(image="valkey/valkey:8.1"))
    changes = fake_cluster.plan_changes(apply_plan_for())
    [update] = [c for c in changes.changes if c.action is Action.UPDATE]
    assert [(f.dotted, f.before) for f in update.fields] == [("spec.image", "valkey/valkey:8.1")]
    fake_cluster.apply(apply_plan_for())
    valkey = fake_cluster.api.get("valkeys", "valkey", "valkey")
    assert valkey is not None
    assert "image" not in valkey["spec"]


def test_a_second_environment_on_the_same_cluster_does_not_touch_helm(
    fake_cluster: FakeCluster,
) -> None:
    fake_cluster.apply(apply_plan_for())
    fake_cluster.reset_records()
    result = fake_cluster.apply(apply_plan_for(cluster_name="cache", namespace="team-b"))
    assert fake_cluster.helm_commands() == []
    assert fake_cluster.mutating() == [
        "PATCH /api/v1/namespaces/team-b",
        "PATCH /apis/hyperspike.io/v1/namespaces/team-b/valkeys/cache",
    ]
    assert result.contract["endpoints"]["primary_host"] == "cache.team-b.svc.cluster.local"


def test_changed_chart_values_or_version_upgrade_the_release(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(apply_plan_for())
    fake_cluster.reset_records()
    fake_cluster.apply(apply_plan_for(helm_values=["replicaCount: 2\n"]))
    [upgrade] = fake_cluster.helm.calls("upgrade")
    assert upgrade.values() == [{"replicaCount": 2}]
    fake_cluster.reset_records()
    fake_cluster.apply(apply_plan_for(chart_version="v0.0.62-chart"))
    [upgrade] = fake_cluster.helm.calls("upgrade")
    assert upgrade.option("--version") == "v0.0.62-chart"
    assert upgrade.values() == [{}], "removed values are reset, not reused"
    # The marker of the release we installed records the version now installed.
    assert fake_cluster.mutating() == [f"PATCH {MARKER}"]
    marker = fake_cluster.api.get("configmaps", "valkey-system", MARKER_NAME)
    assert marker is not None
    assert marker["data"]["version"] == "v0.0.62-chart"


def test_a_foreign_namespace_is_used_but_never_adopted(fake_cluster: FakeCluster) -> None:
    fake_cluster.api.seed(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "valkey", "labels": {"team": "data"}},
        }
    )
    result = fake_cluster.apply(apply_plan_for())
    assert "PATCH /api/v1/namespaces/valkey" not in fake_cluster.mutating()
    [left] = [c for c in result.changes.changes if c.action is Action.LEFT_ALONE]
    assert str(left.ref) == "Namespace valkey"
    namespace = fake_cluster.api.get("namespaces", None, "valkey")
    assert namespace is not None
    assert namespace["metadata"]["labels"] == {
        "team": "data",
        "kubernetes.io/metadata.name": "valkey",
    }


def test_an_interrupted_apply_converges_when_run_again(fake_cluster: FakeCluster) -> None:
    lasting = TransportFault(method="PATCH", path="/valkeys/", code=503, times=None)
    fake_cluster.inject(lasting)
    plan = apply_plan_for(password_inline="pw")
    with pytest.raises(ApiRequestError, match="after 4 attempts"):
        fake_cluster.apply(plan)
    assert fake_cluster.api.get("secrets", "valkey", "valkey-password") is not None
    fake_cluster.faults.remove(lasting)
    fake_cluster.reset_records()

    fake_cluster.apply(plan)
    assert fake_cluster.mutating() == [f"PATCH {VALKEY}"]
    assert fake_cluster.helm_commands() == []


def test_a_failed_helm_release_is_upgraded_on_the_next_run(fake_cluster: FakeCluster) -> None:
    fake_cluster.helm.fail("upgrade", message="timed out waiting for the condition")
    with pytest.raises(HelmError) as failed:
        fake_cluster.apply(apply_plan_for())
    assert str(failed.value) == (
        "helm upgrade failed (exit 1): INSTALLATION FAILED: timed out waiting for the condition"
    )
    fake_cluster.reset_records()
    result = fake_cluster.apply(apply_plan_for())
    assert result.changes.helm.verb is HelmVerb.UPGRADE
    assert result.changes.helm.reason == "the release is failed"
    release = fake_cluster.helm.release("valkey-operator", "valkey-system")
    assert release is not None
    assert (release["status"], release["revision"]) == ("deployed", 2)
    # The marker was written before helm ran: the failed install is still ours.
    assert result.changes.warnings == ()
    assert fake_cluster.destroy(apply_plan_for()).operator.action == "uninstalled"


@pytest.mark.parametrize("text", ["y", "on", "NO", "1e3"])
def test_a_value_yaml_1_1_would_retype_does_not_upgrade_on_every_apply(
    fake_cluster: FakeCluster, text: str
) -> None:
    # Written as YAML, helm read `flag: y` as true; `helm get values` then never
    # matched the plan's "y", and every apply ran `helm upgrade`.
    plan = apply_plan_for(helm_values=[f'flag: "{text}"\n'])
    fake_cluster.apply(plan)
    release = fake_cluster.helm.release("valkey-operator", "valkey-system")
    assert release is not None
    assert release["values"] == {"flag": text}
    fake_cluster.reset_records()
    result = fake_cluster.apply(plan)
    assert result.changes.helm.verb is HelmVerb.UNCHANGED
    assert fake_cluster.helm_commands() == []
