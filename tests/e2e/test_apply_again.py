"""Applying again on the real cluster: nothing when nothing changed, only what a changed
variable affects, and recovery from an apply cut short or a helm run that failed."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Live
from tests.e2e.harness import chart
from tests.e2e.support import refused, release_secrets
from tests.fakes.faults import TransportFault
from wildside_valkey.apply import ApiRequestError, HelmError
from wildside_valkey.apply.changes import Action
from wildside_valkey.apply.marker import MARKER_NAME
from wildside_valkey.apply.release import HelmVerb


def test_a_second_apply_sends_no_write_and_runs_no_helm(live: Live) -> None:
    plan = live.plan(password_inline="pw", pdb_enabled=True, replicas=1)
    live.apply(plan)
    live.mark()

    result = live.apply(plan)

    assert live.writes() == []
    assert live.helm_commands() == []
    assert result.changes.is_empty
    assert result.changes.helm.verb is HelmVerb.UNCHANGED
    assert {c.action for c in result.changes.changes} == {Action.UNCHANGED}
    # The release marker is compared like every other object, not re-applied.
    assert f"ConfigMap valkey-system/{MARKER_NAME}" in [str(c.ref) for c in result.changes.changes]
    assert result.changes.warnings == ()


def test_a_changed_variable_changes_only_the_valkey(live: Live) -> None:
    ns = live.namespace
    live.apply(live.plan())
    live.mark()
    changes = live.plan_changes(live.plan(nodes=3))
    [update] = [c for c in changes.changes if c.action is not Action.UNCHANGED]
    assert (update.action, str(update.ref)) == (Action.UPDATE, f"Valkey {ns}/valkey")
    assert live.writes() == []

    live.apply(live.plan(nodes=3))

    assert live.writes() == [f"patch valkeys {ns}/valkey"]
    assert live.helm_commands() == []
    valkey = live.valkey()
    assert valkey is not None
    assert (valkey["spec"]["nodes"], valkey["metadata"]["generation"]) == (3, 2)


def test_turning_the_budget_off_deletes_ours_and_keeps_the_operators(live: Live) -> None:
    ns = live.namespace
    budgets = f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"
    live.apply(live.plan(pdb_enabled=True, replicas=1))
    live.mark()
    live.apply(live.plan(pdb_enabled=False, replicas=1))
    assert live.writes() == [f"delete poddisruptionbudgets {ns}/pdb-valkey"]
    assert live.get(f"{budgets}/pdb-valkey") is None
    assert live.get(f"{budgets}/valkey") is not None


def test_a_field_no_longer_set_is_removed(live: Live) -> None:
    live.apply(live.plan(image="valkey/valkey:8.1"))
    changes = live.plan_changes(live.plan())
    [update] = [c for c in changes.changes if c.action is Action.UPDATE]
    assert [(f.dotted, f.before) for f in update.fields] == [("spec.image", "valkey/valkey:8.1")]
    live.apply(live.plan())
    valkey = live.valkey()
    assert valkey is not None
    assert "image" not in valkey["spec"]


def test_a_second_environment_on_the_same_cluster_does_not_touch_helm(live: Live) -> None:
    live.apply(live.plan())
    other = live.new_namespace()
    live.mark()
    result = live.apply(live.plan(cluster_name="cache", namespace=other))
    assert live.helm_commands() == []
    assert live.writes() == [f"patch namespaces {other}", f"patch valkeys {other}/cache"]
    assert result.contract["endpoints"]["primary_host"] == f"cache.{other}.svc.cluster.local"


def test_changed_chart_values_or_version_upgrade_the_release(live: Live) -> None:
    own = live.own_operator()
    system, release = own["operator_namespace"], own["helm_release_name"]
    live.apply(live.plan(**own))
    live.mark()

    live.apply(live.plan(helm_values=["replicaCount: 2\n"], **own))
    assert live.helm_commands() == ["upgrade"]
    assert _chart_values(live, system) == {"replicaCount": 2}
    live.mark()

    live.apply(live.plan(chart_version="v0.0.62-chart", **own))
    [upgrade] = live.helm.calls()
    assert upgrade[upgrade.index("--version") + 1] == "v0.0.62-chart"
    assert _chart_values(live, system) == {}, "removed values are reset, not reused"
    # The marker of the release we installed records the version now installed.
    assert live.writes() == [f"patch configmaps {system}/{MARKER_NAME}"]
    marker = live.get(f"/api/v1/namespaces/{system}/configmaps/{MARKER_NAME}")
    assert marker is not None
    assert marker["data"]["version"] == "v0.0.62-chart"
    labels = [s["metadata"]["labels"] for s in release_secrets(live.kube, system, release)]
    assert [(x["version"], x["status"]) for x in labels] == [
        ("1", "superseded"),
        ("2", "superseded"),
        ("3", "deployed"),
    ]


def _chart_values(live: Live, namespace: str) -> object:
    settings = live.get(f"/api/v1/namespaces/{namespace}/configmaps/{chart.SETTINGS}")
    assert settings is not None
    return json.loads(settings["data"]["values.json"])


def test_a_foreign_namespace_is_used_but_never_adopted(live: Live) -> None:
    ns = live.namespace
    live.kube.create(
        "/api/v1/namespaces",
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"team": "data"}},
        },
    )
    result = live.apply(live.plan())
    assert f"patch namespaces {ns}" not in live.writes()
    [left] = [c for c in result.changes.changes if c.action is Action.LEFT_ALONE]
    assert str(left.ref) == f"Namespace {ns}"
    namespace = live.get(f"/api/v1/namespaces/{ns}")
    assert namespace is not None
    assert namespace["metadata"]["labels"] == {"team": "data", "kubernetes.io/metadata.name": ns}


def test_an_interrupted_apply_converges_when_run_again(live: Live) -> None:
    ns = live.namespace
    lasting = TransportFault(method="PATCH", path="/valkeys/", code=503, times=None)
    live.inject(lasting)
    plan = live.plan(password_inline="pw")
    with pytest.raises(ApiRequestError, match="after 4 attempts"):
        live.apply(plan)
    assert live.get(f"/api/v1/namespaces/{ns}/secrets/valkey-password") is not None
    assert live.valkey() is None
    live.faults.remove(lasting)
    live.mark()

    live.apply(plan)

    assert live.writes() == [f"patch valkeys {ns}/valkey"]
    assert live.helm_commands() == []


def test_a_failed_helm_release_is_upgraded_on_the_next_run(live: Live) -> None:
    own = live.own_operator()
    system, release = own["operator_namespace"], own["helm_release_name"]
    plan = live.plan(**own)
    # The cluster refuses the chart's one object: helm's install fails half-way, as when
    # a policy or a quota stops it, and helm records the release as failed.
    with (
        refused(live.kube, resource="configmaps", namespace=system, name=chart.SETTINGS),
        pytest.raises(HelmError) as failed,
    ):
        live.apply(plan)
    assert str(failed.value).startswith("helm upgrade failed (exit 1): ")
    assert chart.SETTINGS in str(failed.value)
    [record] = release_secrets(live.kube, system, release)
    assert record["metadata"]["labels"]["status"] == "failed"
    live.mark()

    result = live.apply(plan)

    assert result.changes.helm.verb is HelmVerb.UPGRADE
    assert result.changes.helm.reason == "the release is failed"
    labels = [s["metadata"]["labels"] for s in release_secrets(live.kube, system, release)]
    assert (labels[-1]["status"], labels[-1]["version"]) == ("deployed", "2")
    # The marker was written before helm ran: the failed install is still ours.
    assert result.changes.warnings == ()
    assert live.preview_destroy(plan).operator.action == "uninstall"


def test_values_yaml_1_1_would_retype_do_not_upgrade_on_every_apply(live: Live) -> None:
    # Written as YAML, helm read `flag: y` as true; `helm get values` then never
    # matched the plan's "y", and every apply ran `helm upgrade`.
    own = live.own_operator()
    for text in ("y", "on", "NO", "1e3"):
        plan = live.plan(helm_values=[f'flag: "{text}"\n'], **own)
        live.apply(plan)
        assert _chart_values(live, own["operator_namespace"]) == {"flag": text}
        live.mark()
        result = live.apply(plan)
        assert result.changes.helm.verb is HelmVerb.UNCHANGED, text
        assert live.helm_commands() == []
