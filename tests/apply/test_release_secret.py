"""Reading helm's release record from its storage Secret (apply/release_secret.py).

The reader is pinned against real helm in tests/e2e/test_helm_releases.py (the
Secrets real helm 3 and 4 write, read as `helm list` and `helm get values` read
them); these tests cover what it does with each variant helm's `decodeRelease`
accepts, and what happens with one it does not know.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from wildside_valkey.apply.release_secret import ReleaseFormatError, decode_release, latest_release


def record(revision: int, status: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A release as helm stores it (pkg/release/v1: `config` omitted when empty)."""
    stored: dict[str, Any] = {
        "name": "valkey-operator",
        "info": {
            "first_deployed": "2026-01-01T00:00:00Z",
            "last_deployed": "2026-01-01T00:00:00Z",
            "description": "Install complete",
            "status": status,
        },
        "chart": {
            "metadata": {
                "name": "valkey-operator",
                "version": "v0.0.61-chart",
                "appVersion": "v0.0.61",
                "apiVersion": "v2",
            }
        },
        "version": revision,
        "namespace": "valkey-system",
    }
    if values:
        stored["config"] = values
    return stored


def release_secret(stored: dict[str, Any]) -> dict[str, Any]:
    """helm's Secret for one revision: data.release = base64(gzip(json)), base64 again on
    the wire (pkg/storage/driver/secrets.go newSecretsObject, util.go encodeRelease)."""
    packed = base64.b64encode(gzip.compress(json.dumps(stored).encode(), mtime=0))
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": f"sh.helm.release.v1.{stored['name']}.v{stored['version']}",
            "namespace": stored["namespace"],
            "labels": {
                "name": stored["name"],
                "owner": "helm",
                "status": stored["info"]["status"],
                "version": str(stored["version"]),
            },
        },
        "type": "helm.sh/release.v1",
        "data": {"release": base64.b64encode(packed).decode()},
    }


def test_the_newest_revision_wins_and_the_last_deployed_one_is_found() -> None:
    secrets = [
        release_secret(record(1, "superseded", {"a": 1})),
        release_secret(record(3, "pending-upgrade", {"a": 3})),
        release_secret(record(2, "deployed", {"a": 2})),
    ]
    stored = latest_release(secrets, "valkey-operator")
    assert stored is not None
    assert (stored.state.status, stored.state.revision) == ("pending-upgrade", "3")
    assert stored.state.last_deployed_revision == 2
    assert stored.state.chart == "valkey-operator-v0.0.61-chart"
    assert stored.values == {"a": 3}


def test_a_record_stored_before_helm_compressed_them_is_read() -> None:
    # helm's decodeRelease skips gunzip when the gzip magic bytes are absent.
    secret = release_secret(record(1, "deployed", {"k": "v"}))
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
    secret = release_secret(record(1, "deployed"))
    change(secret)
    with pytest.raises(ReleaseFormatError):
        latest_release([secret], "valkey-operator")
