"""What "applied" means for a plan: the conditions apply waits for (pure).

The operator's CRD must be Established before a ``Valkey`` is written (else the
API server does not serve the type). Afterwards, the Secret the contract points
at must exist (ESO or the operator create it; for an inline password we did),
the ``Valkey`` must report ``status.ready`` (the operator writes it once the
cluster has formed and never takes it back), and the operator's StatefulSet
must show the current spec rolled out: nodes × (replicas + 1) pods, its
generation observed, every pod updated and ready.
"""

from __future__ import annotations

from ..contract import CredentialStrategy, credential_strategy
from ..plan import Plan, Resource
from ..variables import Variables
from .kinds import (
    CRD,
    EXTERNAL_SECRET,
    SECRET,
    STATEFUL_SET,
    VALKEY,
    VALKEY_CRD_NAME,
    ObjectRef,
)
from .waiting import Condition, established, exists, rolled_out, synced, valkey_ready


def crd_condition() -> Condition:
    return Condition(ObjectRef(CRD, None, VALKEY_CRD_NAME), "to be Established", established)


def ready_conditions(plan: Plan) -> list[Condition]:
    v = plan.variables
    conditions: list[Condition] = []
    credentials = plan.contract.to_dict().get("credentials")
    if credentials:
        secret = ObjectRef(SECRET, str(credentials["namespace"]), str(credentials["secret_name"]))
        strategy = credential_strategy(v)
        if strategy is CredentialStrategy.EXTERNAL_SECRET:
            origin = ObjectRef(EXTERNAL_SECRET, v.namespace, v.password_secret_name)
            conditions.append(
                Condition(secret, "to be created by External Secrets", exists, (origin, synced))
            )
        elif strategy is CredentialStrategy.INLINE:
            conditions.append(Condition(secret, "to exist", exists))
        elif strategy is CredentialStrategy.EXISTING_SECRET:
            conditions.append(Condition(secret, existing_secret_wait(v), exists))
        else:
            conditions.append(Condition(secret, "to be created by the operator", exists))
    valkey = _valkey(plan)
    if valkey is not None:
        ref = ObjectRef.of(valkey)
        conditions.append(Condition(ref, "to report status.ready = true", valkey_ready))
        # ready: true is written once and never taken back, so after a change it proves
        # nothing; the StatefulSet the operator keeps in step with the spec does.
        image = (valkey.manifest().get("spec") or {}).get("image")
        conditions.append(
            Condition(
                ObjectRef(STATEFUL_SET, ref.namespace, ref.name),
                f"to roll out {v.pods} pod(s), all updated and ready",
                rolled_out(v.pods, str(image) if image else None),
            )
        )
    return conditions


def existing_secret_wait(v: Variables) -> str:
    """Who must create the Secret: nothing here does (``password_existing_secret``)."""
    return (
        f"to be created by you, with key {v.password_secret_key!r} "
        "(password_existing_secret = true: wildside-valkey does not create it; "
        "make it with kubectl, sealed-secrets, SOPS or your secret store)"
    )


def _valkey(plan: Plan) -> Resource | None:
    return next((r for r in plan.resources if r.kind == VALKEY.kind), None)
