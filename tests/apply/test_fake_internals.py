"""The fake API server's building blocks on their own: selectors, field ownership, schemas."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lightkube import operators
from lightkube.core.selector import build_selector

from tests.fakes.kube_api import _parse_selector
from tests.fakes.kube_fields import (
    ApplyConflictError,
    ManagerEntry,
    from_fields_v1,
    leaf_paths,
    merge_patch,
    record_update,
    server_side_apply,
    to_fields_v1,
)
from tests.fakes.kube_schema import apply_defaults, prune

# --------------------------------------------------------------- selectors


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("", {}, True),
        ("a=1", {"a": "1"}, True),
        ("a==1", {"a": "2"}, False),
        ("a!=1", {}, True),  # a missing label satisfies !=
        ("a!=1", {"a": "1"}, False),
        ("a", {"a": ""}, True),
        ("!a", {"a": ""}, False),
        ("app.kubernetes.io/name=valkey,owner", {"app.kubernetes.io/name": "valkey"}, False),
    ],
)
def test_label_selector_semantics(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert all(test(labels) for test in _parse_selector(selector)) is expected


_label = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)


@given(
    wanted=st.dictionaries(
        _label,
        st.one_of(
            _label,
            st.none(),
            st.builds(operators.not_equal, _label),
            st.builds(operators.not_exists),
        ),
        max_size=4,
    ),
    labels=st.dictionaries(_label, _label, max_size=5),
)
def test_selectors_lightkube_builds_mean_what_lightkube_means(
    wanted: dict[str, Any], labels: dict[str, str]
) -> None:
    """What lightkube's `labels=` produces from equality and existence (all that is
    sent) parses, with the documented meaning."""

    def expected(key: str, cond: Any) -> bool:
        if cond is None:
            return key in labels
        if isinstance(cond, str):
            return labels.get(key) == cond
        if cond.op_name == "not_equal":
            return bool(labels.get(key) != cond.value)
        return key not in labels

    tests = _parse_selector(build_selector(wanted)) if wanted else []
    assert all(t(labels) for t in tests) == all(expected(k, c) for k, c in wanted.items())


# ---------------------------------------------------------- field ownership


_paths = st.sets(
    st.lists(st.sampled_from(["a", "b", "c", "spec", "x.y"]), min_size=1, max_size=4).map(tuple)
)


@given(_paths)
def test_fields_v1_round_trips(paths: set[tuple[str, ...]]) -> None:
    assert from_fields_v1(to_fields_v1(paths)) == paths


def test_fields_v1_reads_keyed_lists_as_whole_lists() -> None:
    tree: dict[str, Any] = {"f:spec": {"f:tolerations": {'k:{"key":"a"}': {".": {}, "f:key": {}}}}}
    assert from_fields_v1(tree) == {("spec", "tolerations")}


def _apply(
    live: dict[str, Any],
    cfg: dict[str, Any],
    entries: list[ManagerEntry],
    manager: str,
    force: bool = False,
) -> tuple[dict[str, Any], list[ManagerEntry]]:
    result = server_side_apply(
        live,
        cfg,
        entries,
        manager=manager,
        force=force,
        api_version="v1",
        now="2024-01-01T00:00:00Z",
    )
    return result.obj, result.entries


def test_apply_owns_exactly_its_leaves_and_ignores_server_fields() -> None:
    cfg = {
        "apiVersion": "v1",
        "kind": "X",
        "metadata": {"name": "n", "labels": {"a": "1"}},
        "spec": {"m": {"k": 1}, "list": [1, 2], "empty": {}},
        "status": {"ready": True},
    }
    obj, entries = _apply({}, cfg, [], "me")
    assert obj == {
        "metadata": {"labels": {"a": "1"}},
        "spec": {"m": {"k": 1}, "list": [1, 2], "empty": {}},
    }
    assert entries[0].fields == {
        ("metadata", "labels", "a"),
        ("spec", "m", "k"),
        ("spec", "list"),
        ("spec", "empty"),
    }


def test_apply_conflicts_only_on_changed_values_of_others_fields() -> None:
    obj, entries = _apply({}, {"spec": {"a": 1, "b": 2}}, [], "one")
    obj, entries = _apply(obj, {"spec": {"a": 1}}, entries, "two")  # same value: shared
    assert sorted(e.manager for e in entries) == ["one", "two"]
    with pytest.raises(ApplyConflictError) as excinfo:
        _apply(obj, {"spec": {"a": 1, "b": 3}}, entries, "two")
    assert [c.path for c in excinfo.value.conflicts] == [("spec", "b")]
    # Replacing a map with a scalar overlaps every field below it.
    with pytest.raises(ApplyConflictError):
        _apply(obj, {"spec": 5}, entries, "three")


def test_update_takes_ownership_from_appliers() -> None:
    obj, entries = _apply({}, {"spec": {"replicas": 1, "x": 1}}, [], "applier")
    new = merge_patch(obj, {"spec": {"replicas": 4}})
    entries = record_update(obj, new, entries, manager="scaler", api_version="v1", now="t")
    owners = {e.manager: e.fields for e in entries}
    assert owners == {"applier": {("spec", "x")}, "scaler": {("spec", "replicas")}}


def test_leaf_paths() -> None:
    assert leaf_paths({"a": {"b": 1, "c": {}}, "d": [1]}) == {("a", "b"), ("a", "c"), ("d",)}


# ----------------------------------------------------------------- patches


def test_merge_patch_rfc7386_examples() -> None:
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


# ----------------------------------------------------------------- schemas

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["mode"],
            "properties": {
                "mode": {"type": "string", "enum": ["a", "b"]},
                "n": {"type": "integer", "default": 3, "minimum": 1},
                "q": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "opt": {"type": "string"},
            },
        }
    },
}


def test_prune_and_defaults_like_the_api_server() -> None:
    obj = {
        "apiVersion": "x/v1",
        "kind": "X",
        "metadata": {"name": "n"},
        "spec": {
            "mode": "a",
            "unknown": 1,
            "labels": {"k": "v"},
            "free": {"any": {"thing": 1}},
            "opt": None,
            "q": "1Gi",
        },
    }
    pruned = prune(obj, SCHEMA, root=True)
    assert pruned["metadata"] == {"name": "n"}
    assert "unknown" not in pruned["spec"]
    assert "opt" not in pruned["spec"], "nulls of non-nullable fields are pruned"
    assert pruned["spec"]["free"] == {"any": {"thing": 1}}
    defaulted = apply_defaults(pruned, SCHEMA)
    assert defaulted["spec"]["n"] == 3
