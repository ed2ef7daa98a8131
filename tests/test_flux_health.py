"""The cluster Kustomization's health checks, evaluated as kustomize-controller evaluates them.

The expressions run in a real CEL runtime that errors where cel-go errors
(``tests.cel_runtime``), bound as fluxcd/pkg runtime/cel binds them (the
object's top-level fields), in the order of status_evaluator.go ``Evaluate``.
Each object below has a shape the real controllers produce:

* Valkey: kustomize-controller applies it (one managedFields entry, operation
  Apply); valkey-operator v0.0.61 writes no status until the cluster formed,
  then ``status: {ready: true}`` through the status subresource
  (valkey_controller.go:323-324, ``Status().Update``), and never changes it.
* StatefulSet: the operator creates it (operation Update, no status); the
  StatefulSet controller writes its status through the status subresource;
  after a Valkey change the operator updates replicas/image in place
  (valkey_controller.go:2623-2638), which bumps the generation.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cel_runtime import CelEvaluationError, flux_expression, flux_health_status
from wildside_valkey.plan import build_plan
from wildside_valkey.render.flux import cluster_kustomization
from wildside_valkey.variables import variables_from_mapping

APPLIED_BY_FLUX = {"manager": "kustomize-controller", "operation": "Apply", "apiVersion": "v1"}
OPERATOR_STATUS = {
    "manager": "manager",
    "operation": "Update",
    "apiVersion": "hyperspike.io/v1",
    "subresource": "status",
}
CREATED_BY_OPERATOR = {"manager": "manager", "operation": "Update", "apiVersion": "apps/v1"}
STS_CONTROLLER = {
    "manager": "kube-controller-manager",
    "operation": "Update",
    "apiVersion": "apps/v1",
    "subresource": "status",
}


def _spec(**variables: Any) -> dict[str, Any]:
    plan = build_plan(variables_from_mapping(variables))
    spec: dict[str, Any] = cluster_kustomization(plan.variables)["spec"]
    return spec


def _check(spec: dict[str, Any], kind: str) -> dict[str, str]:
    [check] = [c for c in spec["healthCheckExprs"] if c["kind"] == kind]
    return {str(k): str(v) for k, v in check.items()}


def _valkey(generation: int, managed: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "hyperspike.io/v1",
        "kind": "Valkey",
        "metadata": {
            "name": "valkey",
            "namespace": "valkey",
            "generation": generation,
            "managedFields": managed,
        },
        "spec": {"nodes": 3, "replicas": 0},
        **extra,
    }


def _sts(
    size: int, generation: int, managed: list[dict[str, Any]], **status: Any
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": "valkey",
            "namespace": "valkey",
            "generation": generation,
            "managedFields": managed,
        },
        "spec": {
            "replicas": size,
            "template": {"spec": {"containers": [{"name": "valkey", "image": "valkey:8"}]}},
        },
    }
    if status:
        obj["status"] = status
    return obj


VALKEY_SHAPES = [
    pytest.param(_valkey(1, [APPLIED_BY_FLUX]), "InProgress", id="forming-no-status"),
    pytest.param(
        _valkey(1, [APPLIED_BY_FLUX, OPERATOR_STATUS], status={"ready": True}),
        "Current",
        id="formed-ready-true",
    ),
    pytest.param(
        _valkey(2, [APPLIED_BY_FLUX, OPERATOR_STATUS], status={"ready": True}),
        "Current",
        id="changed-spec-stale-ready-true",
    ),
]


@pytest.mark.parametrize(("valkey", "expected"), VALKEY_SHAPES)
def test_the_valkey_is_in_progress_until_the_operator_writes_ready(
    valkey: dict[str, Any], expected: str
) -> None:
    assert flux_health_status(_check(_spec(nodes=3), "Valkey"), valkey) == expected


def done(replicas: int, generation: int) -> dict[str, Any]:
    return {
        "observedGeneration": generation,
        "replicas": replicas,
        "readyReplicas": replicas,
        "updatedReplicas": replicas,
        "currentReplicas": replicas,
        "currentRevision": f"valkey-{generation}",
        "updateRevision": f"valkey-{generation}",
    }


STATEFULSET_SHAPES = [
    pytest.param(_sts(3, 1, [CREATED_BY_OPERATOR]), "InProgress", id="created-no-status"),
    pytest.param(
        _sts(3, 1, [CREATED_BY_OPERATOR, STS_CONTROLLER], observedGeneration=1, replicas=0),
        "InProgress",
        id="status-without-ready-replicas",
    ),
    pytest.param(
        _sts(3, 1, [CREATED_BY_OPERATOR, STS_CONTROLLER], **{**done(3, 1), "readyReplicas": 2}),
        "InProgress",
        id="rolling-out",
    ),
    pytest.param(
        _sts(1, 1, [CREATED_BY_OPERATOR, STS_CONTROLLER], **done(1, 1)),
        "InProgress",
        id="not-yet-resized-by-the-operator",
    ),
    pytest.param(
        _sts(3, 2, [CREATED_BY_OPERATOR, STS_CONTROLLER], **done(1, 1)),
        "InProgress",
        id="resized-generation-not-observed",
    ),
    pytest.param(
        _sts(
            3,
            2,
            [CREATED_BY_OPERATOR, STS_CONTROLLER],
            **{**done(3, 2), "currentRevision": "valkey-1"},
        ),
        "InProgress",
        id="pods-of-the-old-revision",
    ),
    pytest.param(
        _sts(3, 2, [CREATED_BY_OPERATOR, STS_CONTROLLER], **done(3, 2)),
        "Current",
        id="rolled-out",
    ),
]


@pytest.mark.parametrize(("sts", "expected"), STATEFULSET_SHAPES)
def test_the_statefulset_is_current_only_with_the_rendered_size_rolled_out(
    sts: dict[str, Any], expected: str
) -> None:
    assert flux_health_status(_check(_spec(nodes=3), "StatefulSet"), sts) == expected


def test_a_set_image_must_reach_the_statefulset() -> None:
    check = _check(_spec(nodes=3, image="valkey:9"), "StatefulSet")
    sts = _sts(3, 2, [CREATED_BY_OPERATOR, STS_CONTROLLER], **done(3, 2))
    assert flux_health_status(check, sts) == "InProgress"
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = "valkey:9"
    assert flux_health_status(check, sts) == "Current"


def test_without_managed_fields_a_missing_status_is_an_error_flux_retries() -> None:
    """A reader that strips managedFields: inProgress is false, current fails to evaluate."""
    valkey = _valkey(1, [])
    del valkey["metadata"]["managedFields"]
    with pytest.raises(CelEvaluationError, match="status"):
        flux_health_status(_check(_spec(), "Valkey"), valkey)


@pytest.mark.parametrize(
    "expression",
    [
        "status.ready == true",
        "has(status.ready) && status.ready == true",
        "status.?ready.orValue(false)",
    ],
)
def test_no_expression_that_reads_status_can_answer_without_one(expression: str) -> None:
    # Why inProgress reads metadata only: these all fail on a Valkey that has no status yet,
    # as fluxcd/pkg's own status_evaluator_test.go expects ("object without status").
    with pytest.raises(CelEvaluationError, match="status"):
        flux_expression(expression, _valkey(1, [APPLIED_BY_FLUX]))


def test_the_checks_list_the_valkey_the_statefulset_and_the_external_secret() -> None:
    spec = _spec(eso_enabled=True, password_vault_path="valkey/prod")
    # wait: true would make kustomize-controller ignore spec.healthChecks.
    assert spec["wait"] is False
    assert [(c["kind"], c["name"], c["namespace"]) for c in spec["healthChecks"]] == [
        ("Valkey", "valkey", "valkey"),
        ("StatefulSet", "valkey", "valkey"),
        ("ExternalSecret", "valkey-password", "valkey"),
    ]
