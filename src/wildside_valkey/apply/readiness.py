"""What "applied" means for a plan: the conditions apply waits for (pure).

The operator's CRD must be Established before a ``Valkey`` is written (else the
API server does not serve the type). Afterwards, the Secret the contract points
at must exist (ESO or the operator create it; for an inline password we did)
and the ``Valkey`` must report ``status.ready``.
"""

from __future__ import annotations

from ..contract import CredentialStrategy, credential_strategy
from ..plan import Plan, Resource
from ..variables import Variables
from .kinds import CRD, EXTERNAL_SECRET, SECRET, VALKEY, VALKEY_CRD_NAME, ObjectRef
from .waiting import Condition, established, exists, synced, valkey_ready


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
        conditions.append(
            Condition(ObjectRef.of(valkey), "to report status.ready = true", valkey_ready)
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
