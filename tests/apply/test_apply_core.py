"""The pure core of apply mode: field diffs, ownership, the change set, helm argv, retries."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest

from tests.plans import apply_plan_for
from wildside_valkey.apply import (
    LiveState,
    PlainProgress,
    RetryPolicy,
    RichProgress,
    format_plan,
)
from wildside_valkey.apply.changes import Action, compute_changes
from wildside_valkey.apply.fields import ABSENT, covers, diff, format_path, owned_paths
from wildside_valkey.apply.kinds import NAMESPACE, POD_DISRUPTION_BUDGET, SECRET, VALKEY, ObjectRef
from wildside_valkey.apply.marker import marker_ref, marker_resource
from wildside_valkey.apply.redact import foreign, keeping_out
from wildside_valkey.apply.release import (
    HelmAction,
    HelmTarget,
    HelmVerb,
    ReleaseState,
    decide,
    find_release,
    parse_values,
    same_values,
    uninstall_args,
    upgrade_args,
    values_document,
)
from wildside_valkey.apply.report import plan_document
from wildside_valkey.apply.retry import Transient, call_with_retry
from wildside_valkey.apply.waiting import established, rolled_out, valkey_ready
from wildside_valkey.plan import Plan

MANAGER = "wildside-valkey"


def managed(fields: dict[str, Any], manager: str = MANAGER) -> list[dict[str, Any]]:
    return [{"manager": manager, "operation": "Apply", "fieldsV1": fields}]


def live_copy(plan: Plan, manager: str = MANAGER) -> dict[ObjectRef, dict[str, Any] | None]:
    """Every planned object as if applied by ``manager`` (with server additions)."""
    objects: dict[ObjectRef, dict[str, Any] | None] = {}
    for resource in plan.resources:
        obj = resource.manifest()
        obj["metadata"]["uid"] = "u"
        obj["metadata"]["managedFields"] = managed({"f:metadata": {}}, manager)
        obj["status"] = {"ready": True}
        objects[ObjectRef.of(resource)] = obj
    return objects


def unchanged_helm(plan: Plan) -> HelmAction:
    return HelmAction(HelmVerb.UNCHANGED, plan.operator, "same")


# ------------------------------------------------------------------ fields


@pytest.mark.parametrize(
    ("desired", "live", "expected"),
    [
        (1, 1, True),
        (True, 1, False),  # a boolean never equals a number, unlike in Python
        (1, 1.0, True),
        ("1", 1, False),
        ({"a": 1}, {"a": 1, "b": 2}, True),  # server defaults are not differences
        ({"a": 1, "c": 3}, {"a": 1}, False),
        ([{"k": 1}], [{"k": 1, "default": 0}], True),
        ([1, 2], [1], False),
    ],
)
def test_covers_is_containment(desired: Any, live: Any, expected: bool) -> None:
    assert covers(desired, live) is expected


def test_format_path_quotes_keys_with_dots_and_slashes() -> None:
    assert format_path(("spec", "nodes")) == "spec.nodes"
    assert format_path(("spec", "tolerations", 0, "key")) == "spec.tolerations[0].key"
    assert format_path(("metadata", "labels", "app.kubernetes.io/name")) == (
        'metadata.labels["app.kubernetes.io/name"]'
    )


def test_owned_paths_reads_fields_v1() -> None:
    entries = [
        {
            "manager": MANAGER,
            "operation": "Apply",
            "fieldsV1": {
                "f:metadata": {"f:labels": {".": {}, "f:a": {}}},
                "f:spec": {"f:nodes": {}, "f:tolerations": {'k:{"key":"x"}': {".": {}}}},
            },
        },
        {"manager": "other", "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
        {
            "manager": MANAGER,
            "operation": "Update",
            "subresource": "status",
            "fieldsV1": {"f:status": {"f:ready": {}}},
        },
    ]
    assert owned_paths(entries, MANAGER) == {
        ("metadata", "labels", "a"),
        ("spec", "nodes"),
        ("spec", "tolerations"),
    }


def test_diff_reports_changes_and_fields_we_no_longer_send() -> None:
    desired = {"metadata": {"name": "v"}, "spec": {"nodes": 3}}
    live = {"metadata": {"name": "v", "uid": "x"}, "spec": {"nodes": 1, "image": "old"}}
    found = diff("Valkey", desired, live, {("spec", "nodes"), ("spec", "image")})
    assert [(format_path(d.path), d.before, d.after) for d in found] == [
        ("spec.nodes", 1, 3),
        ("spec.image", "old", ABSENT),
    ]


def test_secret_values_are_masked_in_diffs() -> None:
    desired = {"data": {"password": base64.b64encode(b"new").decode()}}
    live = {"data": {"password": base64.b64encode(b"old").decode()}}
    [found] = diff("Secret", desired, live)
    assert found.sensitive
    assert found.shown(found.before) == found.shown(found.after) == "(sensitive value)"
    assert found.to_dict() == {
        "path": "data.password",
        "sensitive": True,
        "before": "(sensitive value)",
        "after": "(sensitive value)",
    }


# ---------------------------------------------------------------- changes


def test_everything_is_created_on_an_empty_cluster_in_apply_order() -> None:
    plan = apply_plan_for(password_inline="pw", pdb_enabled=True, replicas=1)
    changes = compute_changes(plan, LiveState(), unchanged_helm(plan))
    assert [c.action for c in changes.changes] == [Action.CREATE] * 5
    assert [str(r) for r in changes.requests] == [
        "PATCH /api/v1/namespaces/valkey-system",
        "PATCH /api/v1/namespaces/valkey",
        "PATCH /api/v1/namespaces/valkey/secrets/valkey-password",
        "PATCH /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
        "PATCH /apis/policy/v1/namespaces/valkey/poddisruptionbudgets/pdb-valkey",
    ]


def test_live_objects_with_server_additions_are_unchanged() -> None:
    plan = apply_plan_for()
    changes = compute_changes(plan, LiveState(live_copy(plan)), unchanged_helm(plan))
    assert changes.is_empty
    assert changes.requests == ()
    assert "No changes." in format_plan(changes, "test")


def test_a_foreign_namespace_is_left_alone_never_adopted() -> None:
    plan = apply_plan_for()
    live = live_copy(plan)
    ref = ObjectRef(NAMESPACE, None, "valkey")
    live[ref] = {"metadata": {"name": "valkey", "labels": {"team": "data"}}}
    changes = compute_changes(plan, LiveState(live), unchanged_helm(plan))
    [left] = [c for c in changes.changes if c.action is Action.LEFT_ALONE]
    assert left.ref == ref
    assert left.request() is None
    assert changes.is_empty


def test_our_stale_objects_are_deleted_but_not_those_of_controllers() -> None:
    plan = apply_plan_for()
    live = live_copy(plan)
    labels = dict(plan.resources[-1].body["metadata"]["labels"])
    ours = {
        "metadata": {
            "name": "pdb-valkey",
            "namespace": "valkey",
            "labels": labels,
            "managedFields": managed({"f:spec": {"f:minAvailable": {}}}),
        },
        "spec": {"minAvailable": 1},
    }
    # The operator copies our labels onto its own PDB: labelled, but not ours.
    operators = {
        "metadata": {
            "name": "valkey",
            "namespace": "valkey",
            "labels": labels,
            "managedFields": managed({"f:spec": {}}, "valkey-operator"),
        }
    }
    live[ObjectRef(POD_DISRUPTION_BUDGET, "valkey", "pdb-valkey")] = ours
    live[ObjectRef(POD_DISRUPTION_BUDGET, "valkey", "valkey")] = operators
    changes = compute_changes(plan, LiveState(live), unchanged_helm(plan))
    assert [str(r) for r in changes.requests] == [
        "DELETE /apis/policy/v1/namespaces/valkey/poddisruptionbudgets/pdb-valkey"
    ]
    document = plan_document(changes, "test")
    assert document["summary"]["delete"] == 1
    assert document["no_changes"] is False


def test_deletes_follow_the_reverse_apply_order() -> None:
    plan = apply_plan_for(anonymous_auth=True)
    live = live_copy(plan)
    labels = dict(plan.resources[-1].body["metadata"]["labels"])
    for kind, name in ((SECRET, "valkey-password"), (POD_DISRUPTION_BUDGET, "pdb-valkey")):
        live[ObjectRef(kind, "valkey", name)] = {
            "metadata": {"name": name, "labels": labels, "managedFields": managed({})}
        }
    changes = compute_changes(plan, LiveState(live), unchanged_helm(plan))
    assert [r.ref.kind.kind for r in changes.requests] == ["PodDisruptionBudget", "Secret"]


def test_a_changed_variable_touches_only_its_object() -> None:
    before, after = apply_plan_for(), apply_plan_for(nodes=3)
    changes = compute_changes(after, LiveState(live_copy(before)), unchanged_helm(after))
    [update] = [c for c in changes.changes if c.action is Action.UPDATE]
    assert update.ref == ObjectRef(VALKEY, "valkey", "valkey")
    assert [(format_path(f.path), f.before, f.after) for f in update.fields] == [
        ("spec.nodes", 1, 3)
    ]
    assert "~ spec.nodes: 1 -> 3" in format_plan(changes, "test")


# ------------------------------------------------------------------- helm


def test_upgrade_argv_for_the_default_chart() -> None:
    plan = apply_plan_for()
    target = HelmTarget("/k/config", "prod")
    assert upgrade_args(
        plan.operator, "/tmp/v.yaml", create_namespace=True, timeout_seconds=600, target=target
    ) == [
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
        "/tmp/v.yaml",
        "--reset-values",
        "--wait",
        "--timeout",
        "600s",
        "--kubeconfig",
        "/k/config",
        "--kube-context",
        "prod",
    ]


def test_https_repository_no_wait_no_namespace_creation() -> None:
    plan = apply_plan_for(
        chart_repository="https://charts.example.com",
        flux_source_kind="HelmRepository",
        helm_wait=False,
        create_namespaces=False,
    )
    args = upgrade_args(
        plan.operator, "v.yaml", create_namespace=False, timeout_seconds=30, target=HelmTarget()
    )
    assert args[:4] == ["upgrade", "--install", "valkey-operator", "valkey-operator"]
    assert args[-2:] == ["--repo", "https://charts.example.com"]
    assert "--create-namespace" not in args
    assert "--wait" not in args
    assert uninstall_args(plan.operator, timeout_seconds=30, target=HelmTarget()) == [
        "uninstall",
        "valkey-operator",
        "--namespace",
        "valkey-system",
        "--timeout",
        "30s",
    ]


def test_helm_values_become_one_nested_document() -> None:
    plan = apply_plan_for(helm_values=["a:\n  b: 1\n", "a:\n  c: two\n'x.y': true\n"])
    assert json.loads(values_document(plan.operator)) == {"a": {"b": 1, "c": "two"}, "x.y": True}


@pytest.mark.parametrize("text", ["y", "n", "on", "off", "yes", "NO", "1e3", "0x1F", "1_000", "~"])
def test_values_file_quotes_every_string_that_yaml_1_1_would_retype(text: str) -> None:
    # helm reads the values file as YAML 1.1: `flag: y` there is the boolean true.
    plan = apply_plan_for(helm_values=[f'flag: "{text}"\n'])
    document = values_document(plan.operator)
    assert f'"flag": "{text}"' in document
    assert json.loads(document) == {"flag": text}


@pytest.mark.parametrize(
    ("live", "desired", "same"),
    [
        ({"a": True}, {"a": "y"}, False),  # what helm made of an unquoted y
        ({"a": 1000.0}, {"a": "1e3"}, False),
        ({"a": 1}, {"a": True}, False),  # Python's True == 1 must not hide this
        ({"a": 3.0}, {"a": 3}, True),  # helm decodes every JSON number as a float64
        ({"a": "y"}, {"a": "y"}, True),
        ({"a": None}, {"a": None}, True),
        ({"a": [1, "2"]}, {"a": [1, 2]}, False),
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, False),
        ({}, {"a": 1}, False),
    ],
)
def test_helm_values_compare_as_json_types(live: Any, desired: Any, same: bool) -> None:
    assert same_values(live, desired) is same


def state(status: str = "deployed", chart: str = "valkey-operator-v0.0.61-chart") -> ReleaseState:
    return ReleaseState("valkey-operator", "valkey-system", status, chart, "1")


@pytest.mark.parametrize(
    ("release", "values", "verb"),
    [
        (None, None, HelmVerb.INSTALL),
        (state("failed"), None, HelmVerb.UPGRADE),
        (state(chart="valkey-operator-v0.0.60-chart"), None, HelmVerb.UPGRADE),
        (state(), {"replicas": 2}, HelmVerb.UPGRADE),
        (state(), {}, HelmVerb.UNCHANGED),
        (state(chart="valkey-operator-0.0.61-chart"), {}, HelmVerb.UNCHANGED),
    ],
)
def test_helm_decision(
    release: ReleaseState | None, values: dict[str, Any] | None, verb: HelmVerb
) -> None:
    assert decide(apply_plan_for().operator, release, values).verb is verb


def test_helm_output_parsing() -> None:
    listed = '[{"name": "valkey-operator", "namespace": "ns", "revision": "3", "status": "deployed", "chart": "c-1"}]'  # noqa: E501
    assert find_release(listed, "valkey-operator") == ReleaseState(
        "valkey-operator", "ns", "deployed", "c-1", "3"
    )
    assert find_release("[]", "valkey-operator") is None
    assert parse_values("null\n") == {}
    with pytest.raises(ValueError, match="not JSON"):
        find_release("Error", "x")


# ------------------------------------------------------------ retry, wait


def test_retry_backs_off_and_honours_retry_after_within_bounds() -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=4, base_delay=0.5, factor=2, max_delay=5, sleep=waits.append)
    answers: list[Exception | str] = [
        RuntimeError("503"),
        RuntimeError("429"),
        RuntimeError("429 long"),
        "ok",
    ]

    def flaky() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def classify(error: Exception) -> Transient | None:
        after = {"503": None, "429": 3.0, "429 long": 60.0}[str(error)]
        return Transient(str(error), after)

    assert call_with_retry(flaky, policy, classify) == "ok"
    assert waits == [0.5, 3.0, 5.0]


def test_retry_gives_up_after_the_last_attempt() -> None:
    policy = RetryPolicy(attempts=2, base_delay=0, sleep=lambda _: None)
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise RuntimeError("still down")

    with pytest.raises(RuntimeError, match="still down"):
        call_with_retry(broken, policy, lambda e: Transient("x"))
    assert len(calls) == 2


def test_readiness_checks() -> None:
    # The only status valkey-operator v0.0.61 writes (valkey_controller.go line 323).
    assert valkey_ready({"status": {"ready": True}}) == (True, "ready")
    forming = (
        False,
        "forming: the operator reports ready once every pod has joined the cluster",
    )
    assert valkey_ready({"metadata": {"generation": 1}}) == forming
    assert "operator running" not in forming[1]
    assert established(None)[1] == "not found (the operator's chart installs it)"


def _sts(replicas: int, generation: int, **status: int) -> dict[str, Any]:
    return {
        "metadata": {"generation": generation},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"image": "v:1"}]}}},
        "status": status,
    }


@pytest.mark.parametrize(
    ("sts", "done", "detail"),
    [
        (None, False, "not created by the operator yet"),
        (_sts(1, 1, observedGeneration=1, updatedReplicas=1, readyReplicas=1), False,
         "the operator has not yet resized it to 3 pods (spec has 1)"),
        (_sts(3, 2, observedGeneration=1, updatedReplicas=1, readyReplicas=1), False,
         "generation 2 not yet observed"),
        (_sts(3, 2, observedGeneration=2, updatedReplicas=1, readyReplicas=3), False,
         "1/3 pods updated, 3/3 ready"),
        (_sts(3, 2, observedGeneration=2, updatedReplicas=3, readyReplicas=3), True,
         "3/3 pods updated and ready"),
    ],
)  # fmt: skip
def test_a_rollout_is_done_when_the_statefulset_shows_the_whole_spec(
    sts: dict[str, Any] | None, done: bool, detail: str
) -> None:
    assert rolled_out(3)(sts) == (done, detail)


def test_a_new_image_is_only_rolled_out_once_the_statefulset_has_it() -> None:
    sts = _sts(1, 1, observedGeneration=1, updatedReplicas=1, readyReplicas=1)
    assert rolled_out(1, "v:2")(sts) == (False, "the operator has not yet set image v:2")
    assert rolled_out(1, "v:1")(sts)[0] is True


def test_foreign_words_hide_the_password_and_its_base64_only_where_kept_out() -> None:
    plan = apply_plan_for(password_inline="s3cret-canary")
    encoded = base64.b64encode(b"s3cret-canary").decode()
    words = f"a s3cret-canary b {encoded}"
    assert foreign(words) == words, "nothing is kept out outside keeping_out"
    with keeping_out([plan]):
        assert foreign(words) == "a (not shown) b (not shown)"
        with keeping_out([apply_plan_for()]):  # no inline password: adds nothing
            assert foreign(words) == "a (not shown) b (not shown)"
    assert foreign(words) == words


def test_a_short_password_is_hidden_in_foreign_words_only_where_quoted() -> None:
    with keeping_out([apply_plan_for(password_inline="e")]):
        assert foreign('secret "e" is bad: the value') == "secret (not shown) is bad: the value"


# --------------------------------------------------------------- progress


def test_plain_progress_says_each_wait_once() -> None:
    lines: list[str] = []
    progress = PlainProgress(lines.append)
    progress.waiting("waiting for A")
    progress.waiting("waiting for A")
    progress.info("+ created B")
    progress.waiting("waiting for A")
    progress.close()
    assert lines == ["waiting for A", "+ created B", "waiting for A"]


def test_rich_progress_prints_lines_as_plain_text_and_as_they_are() -> None:
    stream = io.StringIO()
    progress = RichProgress(stream)
    progress.waiting("waiting for spec.tolerations[0] (valkey)")
    with keeping_out([apply_plan_for(password_inline="valkey")]):
        # The tool's own words are never redacted, whatever the password is.
        progress.info("+ created Secret valkey/[bold]x[/bold]")
    progress.close()
    assert "+ created Secret valkey/[bold]x[/bold]" in stream.getvalue()


# ------------------------------------------------------ the release marker


def test_installing_the_release_writes_its_marker_right_after_the_namespaces() -> None:
    plan = apply_plan_for()
    install = HelmAction(HelmVerb.INSTALL, plan.operator, "the release is not installed")
    changes = compute_changes(plan, LiveState(), install)
    assert [str(r) for r in changes.requests] == [
        "PATCH /api/v1/namespaces/valkey-system",
        "PATCH /api/v1/namespaces/valkey",
        "PATCH /api/v1/namespaces/valkey-system/configmaps/wildside-valkey-operator-release",
        "PATCH /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
    ]
    assert changes.warnings == ()


def test_our_marker_is_compared_and_a_release_without_it_is_only_warned_about() -> None:
    plan = apply_plan_for()
    live = live_copy(plan)
    marker = marker_resource(plan.operator).manifest()
    marker["metadata"]["managedFields"] = managed({"f:data": {}})
    ours = {**live, marker_ref(plan.operator): marker}
    changes = compute_changes(plan, LiveState(ours), unchanged_helm(plan))
    assert changes.is_empty
    assert changes.warnings == ()

    # Same object written by another manager: not ours, so the release is not either.
    marker["metadata"]["managedFields"] = managed({"f:data": {}}, "kubectl")
    for state in (live, {**live, marker_ref(plan.operator): marker}):
        changes = compute_changes(plan, LiveState(state), unchanged_helm(plan))
        assert changes.requests == ()
        assert len(changes.warnings) == 1
        assert "was not installed by wildside-valkey" in changes.warnings[0]
        assert plan_document(changes, "test")["warnings"] == list(changes.warnings)
