"""Reading helm's release record from its storage Secret (apply/release_secret.py).

The encoding is pinned against real helm in tests/helm_real (real `helm list`
and `helm get values` read the Secrets the stand-in writes); these tests cover
what the reader does with each variant helm's `decodeRelease` accepts, and what
happens with one it does not know.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.fakes import helm_storage
from tests.fakes.cluster import FakeCluster, apply_plan_for
from wildside_valkey.apply.release import HelmVerb
from wildside_valkey.apply.release_secret import ReleaseFormatError, decode_release, latest_release


def record(revision: int, status: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    return helm_storage.release_record(
        name="valkey-operator",
        namespace="valkey-system",
        revision=revision,
        status=status,
        chart_name="valkey-operator",
        version="v0.0.61-chart",
        app_version="v0.0.61",
        values=values,
        first_deployed="2026-01-01T00:00:00Z",
        last_deployed="2026-01-01T00:00:00Z",
        description="Install complete",
    )


def test_the_newest_revision_wins_and_the_last_deployed_one_is_found() -> None:
    secrets = [
        helm_storage.release_secret(record(1, "superseded", {"a": 1})),
        helm_storage.release_secret(record(3, "pending-upgrade", {"a": 3})),
        helm_storage.release_secret(record(2, "deployed", {"a": 2})),
    ]
    stored = latest_release(secrets, "valkey-operator")
    assert stored is not None
    assert (stored.state.status, stored.state.revision) == ("pending-upgrade", "3")
    assert stored.state.last_deployed_revision == 2
    assert stored.state.chart == "valkey-operator-v0.0.61-chart"
    assert stored.values == {"a": 3}


def test_a_record_stored_before_helm_compressed_them_is_read() -> None:
    # helm's decodeRelease skips gunzip when the gzip magic bytes are absent.
    secret = helm_storage.release_secret(record(1, "deployed", {"k": "v"}))
    plain = base64.b64encode(json.dumps(record(1, "deployed", {"k": "v"})).encode())
    secret["data"]["release"] = base64.b64encode(plain).decode()
    assert decode_release(secret)["config"] == {"k": "v"}


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.__setitem__("type", "helm.sh/release.v2"),
        lambda s: s["data"].__setitem__("release", "not base64!"),
        lambda s: s["data"].pop("release"),
        lambda s: s["data"].__setitem__("release", base64.b64encode(b"x").decode()),
    ],
)
def test_an_unknown_record_is_a_format_error(change: Any) -> None:
    secret = helm_storage.release_secret(record(1, "deployed"))
    change(secret)
    with pytest.raises(ReleaseFormatError):
        latest_release([secret], "valkey-operator")


def test_an_unknown_record_makes_apply_ask_the_helm_cli(fake_cluster: FakeCluster) -> None:
    plan = apply_plan_for()
    fake_cluster.apply(plan)
    name = helm_storage.secret_name("valkey-operator", 1)
    secret = fake_cluster.api.get("secrets", "valkey-system", name)
    assert secret is not None
    secret["type"] = "helm.sh/release.v2"  # a storage format from some future helm
    fake_cluster.api.seed(secret, manager=None)
    fake_cluster.reset_records()
    result = fake_cluster.apply(plan)
    assert result.changes.helm.verb is HelmVerb.UNCHANGED
    assert fake_cluster.helm_commands() == ["list", "get"]
