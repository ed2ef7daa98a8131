"""``password_existing_secret`` on the real cluster: apply references the user's Secret,
never writes it, and waits for it saying who must create it (issue 11)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live
from wildside_valkey.apply import WaitTimeoutError

EXISTING = {"password_existing_secret": True, "password_secret_name": "sealed-auth"}


def test_apply_waits_for_the_users_secret_and_says_who_creates_it(live: Live) -> None:
    ns = live.namespace
    with pytest.raises(WaitTimeoutError) as caught:
        live.apply(live.plan(**EXISTING), timeout=1)
    text = str(caught.value)
    assert f"Secret {ns}/sealed-auth to be created by you, with key 'password'" in text
    assert "password_existing_secret = true: wildside-valkey does not create it" in text
    assert not [write for write in live.writes() if " secrets " in write]


def test_apply_succeeds_once_the_secret_exists_and_never_writes_it(live: Live) -> None:
    ns = live.namespace
    live.kube.create("/api/v1/namespaces", {"metadata": {"name": ns}})
    live.kube.create(
        f"/api/v1/namespaces/{ns}/secrets",
        {"metadata": {"name": "sealed-auth"}, "data": {"password": "c2VhbGVk"}},
    )
    live.mark()
    result = live.apply(live.plan(**EXISTING))
    assert result.contract["credentials"]["secret_name"] == "sealed-auth"
    assert not [write for write in live.writes() if " secrets " in write]
    valkey = live.valkey()
    assert valkey is not None
    assert valkey["spec"]["servicePassword"] == {"name": "sealed-auth", "key": "password"}
