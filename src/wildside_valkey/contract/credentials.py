"""Which credential strategy a set of variables selects.

The order is the interface's: anonymous auth wins, then ESO, then a Secret the
user creates (``password_existing_secret``), then an inline password, and
otherwise the operator generates the password itself. The rules in
``variables.rules`` refuse ``password_existing_secret`` together with the others.
"""

from __future__ import annotations

from enum import Enum

from ..variables import Variables

# The operator's own Secret when it generates the password: named after the CR.
OPERATOR_PASSWORD_KEY = "password"


class CredentialStrategy(Enum):
    ANONYMOUS = "anonymous"
    EXTERNAL_SECRET = "external-secret"
    EXISTING_SECRET = "existing-secret"
    INLINE = "inline"
    OPERATOR_GENERATED = "operator-generated"


def credential_strategy(v: Variables) -> CredentialStrategy:
    if v.anonymous_auth:
        return CredentialStrategy.ANONYMOUS
    if v.eso_enabled:
        return CredentialStrategy.EXTERNAL_SECRET
    if v.password_existing_secret:
        return CredentialStrategy.EXISTING_SECRET
    if v.password:
        return CredentialStrategy.INLINE
    return CredentialStrategy.OPERATOR_GENERATED


def password_secret_ref(v: Variables) -> tuple[str, str] | None:
    """The (Secret name, key) that holds the password, or None with anonymous auth."""
    strategy = credential_strategy(v)
    if strategy is CredentialStrategy.ANONYMOUS:
        return None
    if strategy is CredentialStrategy.OPERATOR_GENERATED:
        return v.cluster_name, OPERATOR_PASSWORD_KEY
    return v.password_secret_name, v.password_secret_key
