"""When Flux may call the cluster Kustomization Ready: the health checks, read from the real
controllers.

valkey-operator v0.0.61 writes no ``status`` on a ``Valkey`` until the cluster has formed,
then ``status.ready: true`` and nothing else, never false again
(internal/controller/valkey_controller.go:323). So:

* After a spec change that stale ``ready: true`` proves nothing; the operator's
  StatefulSet (named like the ``Valkey``) does. kustomize-controller can health-check
  objects it did not apply through ``spec.healthChecks``, but only with ``wait: false``
  ("If set to true, .spec.healthChecks is ignored": kustomize-controller v1.9.4
  docs/spec/v1/kustomizations.md:420, internal/controller/kustomization_controller.go:1018-1030).
  So the checks list every object whose health matters: the ``Valkey``, the StatefulSet and,
  with External Secrets, the ExternalSecret (kstatus reads its Ready condition).
* kstatus alone would call the old StatefulSet Current in the moment between our change and
  the operator's update of it, so the StatefulSet gets an expression that also wants the
  replica count (and image) this render asks for (lines 2623-2638 of the operator).
* fluxcd/pkg runtime/cel: expressions are parsed, not compiled (expression.go
  NewExpression), and evaluated against the object's own top-level fields
  (status_evaluator.go Evaluate: ``inProgress`` first, then ``failed``, then ``current``;
  an evaluation error is returned as the error). Reading ``status`` on an object without
  one fails to evaluate (``has(status.x)`` and ``status.?x`` too), so ``inProgress`` reads
  only ``metadata``: its ``managedFields`` gain an entry with ``subresource: status`` when a
  controller first writes the status. Until then the object is "in progress", not an error;
  ``current`` is evaluated only once a status exists. kustomize-controller reads the objects
  from the API server directly (main.go ``DisableStatusPollerCache``, on by default), so
  ``managedFields`` are there; where they are not, ``inProgress`` is false and ``current``
  fails to evaluate until the status appears, an error Flux retries.
"""

from __future__ import annotations

from ..contract import CredentialStrategy, credential_strategy
from ..plan.kinds import EXTERNAL_SECRET, STATEFUL_SET, VALKEY, Kind
from ..variables import Variables

# No controller has written the status subresource yet: in progress, whatever the rest says.
STATUS_NOT_WRITTEN = (
    "has(metadata.managedFields) && "
    "!metadata.managedFields.exists(f, has(f.subresource) && f.subresource == 'status')"
)
VALKEY_READY = "has(status.ready) && status.ready == true"


def statefulset_rolled_out(pods: int, image: str = "") -> str:
    """The StatefulSet runs ``pods`` replicas of the current revision, all ready."""
    parts = [f"spec.replicas == {pods}"]
    if image:
        parts.append(f"spec.template.spec.containers[0].image == {_cel_string(image)}")
    parts += [
        f"has(status.readyReplicas) && status.readyReplicas == {pods}",
        f"has(status.updatedReplicas) && status.updatedReplicas == {pods}",
        "(!has(status.updateRevision) || "
        "(has(status.currentRevision) && status.currentRevision == status.updateRevision))",
    ]
    return " && ".join(parts)


def _cel_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def health_checks(v: Variables) -> list[dict[str, str]]:
    """``spec.healthChecks`` of the cluster Kustomization."""
    checks = [
        _ref(VALKEY, v.cluster_name, v.namespace),
        _ref(STATEFUL_SET, v.cluster_name, v.namespace),
    ]
    if credential_strategy(v) is CredentialStrategy.EXTERNAL_SECRET:
        checks.append(_ref(EXTERNAL_SECRET, v.password_secret_name, v.namespace))
    return checks


def health_check_exprs(v: Variables) -> list[dict[str, str]]:
    """``spec.healthCheckExprs``: how the Valkey and the StatefulSet count as Current."""
    return [
        {
            **VALKEY.header(),
            "inProgress": STATUS_NOT_WRITTEN,
            "current": VALKEY_READY,
        },
        {
            **STATEFUL_SET.header(),
            "inProgress": STATUS_NOT_WRITTEN,
            "current": statefulset_rolled_out(v.pods, v.image),
        },
    ]


def _ref(kind: Kind, name: str, namespace: str) -> dict[str, str]:
    return {**kind.header(), "name": name, "namespace": namespace}
