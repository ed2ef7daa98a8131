"""Keeping the password out of what a server or helm says (docs/limits.md, "Secrets in
messages").

Apply mode's own words (progress, plan listings, reports, the contract) never hold the
password: plans show Secret data as "(sensitive value)" by construction, and nothing in
those words is redacted, so they read the same whatever the password is. Words from
outside the tool (an API server's message, helm's stderr, an object's status condition)
may quote it: each goes through :func:`foreign` where it enters one of the tool's
messages, which hides the password and its base64 form (as stored in a Secret) by the
rule of ``variables/redaction.py``.

The values to keep out are those of the plans being worked on: ``keeping_out`` holds
them for the code that runs inside it (a context variable, so parallel previews in
threads each see what the batch set when it started them).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Concatenate, ParamSpec, TypeVar

from ..plan import Plan
from ..variables.redaction import hide_secrets

P = ParamSpec("P")
R = TypeVar("R")
_KEPT_OUT: ContextVar[frozenset[str]] = ContextVar("wildside_valkey_kept_out", default=frozenset())


def secrets_of(plan: Plan) -> tuple[str, ...]:
    """The plan's password and its base64 form (none without an inline password)."""
    password = plan.variables.password
    if not password:
        return ()
    return password, base64.b64encode(password.encode("utf-8")).decode("ascii")


@contextmanager
def keeping_out(plans: Iterable[Plan]) -> Iterator[None]:
    """Within: ``foreign`` hides these plans' secrets too (as well as those already kept out)."""
    kept = _KEPT_OUT.get() | {secret for plan in plans for secret in secrets_of(plan)}
    token = _KEPT_OUT.set(kept)
    try:
        yield
    finally:
        _KEPT_OUT.reset(token)


def keeps_its_secrets_out(
    function: Callable[Concatenate[Plan, P], R],
) -> Callable[Concatenate[Plan, P], R]:
    """A library entry point taking a plan first: its secrets are kept out while it runs."""

    @functools.wraps(function)
    def wrapper(plan: Plan, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with keeping_out((plan,)):
            return function(plan, *args, **kwargs)

    return wrapper


def foreign(words: str) -> str:
    """Words from outside the tool, without the secrets kept out here."""
    return hide_secrets(words, _KEPT_OUT.get())
