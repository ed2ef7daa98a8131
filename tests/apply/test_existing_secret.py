"""``password_existing_secret``: apply references the user's Secret, never writes it, and
waits for it saying who must create it (issue 11)."""

from __future__ import annotations

import pytest

from tests.fakes.cluster import FakeCluster, apply_plan_for
from wildside_valkey.apply import WaitTimeoutError

EXISTING = {"password_existing_secret": True, "password_secret_name": "sealed-auth"}


def test_apply_waits_for_the_users_secret_and_says_who_creates_it(
    fake_cluster: FakeCluster,
) -> None:
    with pytest.raises(WaitTimeoutError) as caught:
        fake_cluster.apply(apply_plan_for(**EXISTING), timeout=0.5)
    text = str(caught.value)
    assert "Secret valkey/sealed-auth to be created by you, with key 'password'" in text
    assert "password_existing_secret = true: wildside-valkey does not create it" in text
    assert not any("/secrets" in call for call in fake_cluster.mutating())


def test_apply_succeeds_once_the_secret_exists_and_never_writes_it(
    fake_cluster: FakeCluster,
) -> None:
    fake_cluster.api.seed(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "sealed-auth", "namespace": "valkey"},
            "data": {"password": "c2VhbGVk"},
        }
    )
    result = fake_cluster.apply(apply_plan_for(**EXISTING))
    assert result.contract["credentials"]["secret_name"] == "sealed-auth"
    assert not any("/secrets" in call for call in fake_cluster.mutating())
    (valkey,) = fake_cluster.objects("valkeys", "valkey")
    assert valkey["spec"]["servicePassword"] == {"name": "sealed-auth", "key": "password"}
