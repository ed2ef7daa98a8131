"""Every kind the plan produces is described once (``plan/kinds.py``), and each use agrees.

The apply order, the rendered file names and apply mode's REST paths all come
from that one descriptor; these tests build plans that hold every kind and
check that the manifests, the tree and the order are the descriptor's.
"""

from __future__ import annotations

import pytest

from wildside_valkey.apply.kinds import ObjectRef, kind_of
from wildside_valkey.plan import APPLY_ORDER, Component, Plan, build_plan
from wildside_valkey.plan.kinds import PLANNED_KINDS, VALKEY, planned_kind
from wildside_valkey.render.tree import render_manifests
from wildside_valkey.variables import variables_from_mapping

EVERY_KIND = {
    "mode": "apply",
    "ttl": "72h",
    "namespace": "cache",
    "replicas": 1,
    "pdb_enabled": True,
    "network_policy_enabled": True,
    "contract_configmap_enabled": True,
    "password_inline": "s3cret-value",
}
WITH_ESO = {**EVERY_KIND, "eso_enabled": True, "password_vault_path": "secret/valkey"}


def _plans() -> list[Plan]:
    return [build_plan(variables_from_mapping(values)) for values in (EVERY_KIND, WITH_ESO)]


def test_the_plans_hold_every_planned_kind() -> None:
    kinds = {resource.kind for plan in _plans() for resource in plan.resources}
    assert kinds == {kind.kind for kind in PLANNED_KINDS}


@pytest.mark.parametrize("plan", _plans(), ids=["inline", "eso"])
def test_each_object_is_rendered_into_its_kinds_file(plan: Plan) -> None:
    manifests = render_manifests(plan)
    for resource in plan.resources:
        kind = planned_kind(resource.api_version, resource.kind)
        folder = "operator" if resource.component is Component.OPERATOR else "cluster"
        assert resource.manifest() in manifests[f"{folder}/{kind.file_name}"], resource


@pytest.mark.parametrize("plan", _plans(), ids=["inline", "eso"])
def test_apply_order_is_the_descriptors_order(plan: Plan) -> None:
    ranks = [APPLY_ORDER.index(resource.kind) for resource in plan.resources]
    lifecycle = [i for i, r in enumerate(plan.resources) if r.name.endswith("-lifecycle")]
    # The lifecycle record (a ConfigMap) goes right after the namespaces; the rest in order.
    assert lifecycle == [sum(r.kind == "Namespace" for r in plan.resources)]
    rest = [rank for i, rank in enumerate(ranks) if i not in lifecycle]
    assert rest == sorted(rest)


def test_apply_mode_addresses_each_planned_object_through_the_same_descriptor() -> None:
    for plan in _plans():
        for resource in plan.resources:
            kind = kind_of(resource.api_version, resource.kind)
            assert kind is planned_kind(resource.api_version, resource.kind)
            ref = ObjectRef.of(resource)
            assert ref.path.startswith(kind.collection_path(resource.namespace))
    valkey = ObjectRef(VALKEY, "cache", "valkey")
    assert valkey.path == "/apis/hyperspike.io/v1/namespaces/cache/valkeys/valkey"
