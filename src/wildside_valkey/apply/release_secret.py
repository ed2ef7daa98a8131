"""Helm's own record of a release, read from its storage Secrets: pure decoding.

helm's default storage driver ("secret") keeps one Secret per release revision
in the release's namespace (helm pkg/storage/driver/secrets.go, v4.1.4 lines
234-287; v3.21.4 lines 220-256, unchanged since 3.0):

* name ``sh.helm.release.v1.<release>.v<revision>`` (pkg/storage/storage.go
  ``makeKey``), type ``helm.sh/release.v1``;
* labels ``owner=helm``, ``name=<release>``, ``status=<status>``,
  ``version=<revision>``;
* ``data.release``: the release as JSON, gzipped (level 9), then base64
  (pkg/storage/driver/util.go ``encodeRelease``). The API adds its own base64 on
  top, as for any Secret data, so a client decodes base64 twice. helm's
  ``decodeRelease`` also accepts the payload without gzip (releases stored
  before compression), recognised by the gzip magic bytes ``1f 8b 08``.

The release JSON (pkg/release/v1/release.go, info.go): ``name``, ``namespace``,
``version`` (the revision), ``info.status``, ``chart.metadata.{name,version}``
and ``config`` (the user-supplied values, what ``helm get values`` prints).

Anything else (another type, a missing key, a payload that does not decode) is
a ``ReleaseFormatError``: the caller asks the helm CLI instead.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .release import DEPLOYED, SUPERSEDED, ReleaseState

SECRET_TYPE = "helm.sh/release.v1"
OWNER_LABELS = {"owner": "helm"}
_GZIP_MAGIC = b"\x1f\x8b\x08"


class ReleaseFormatError(ValueError):
    """A release record this code does not know how to read."""


@dataclass(frozen=True, slots=True)
class StoredRelease:
    """The newest revision of a release: its state and its user-supplied values."""

    state: ReleaseState
    values: dict[str, Any]


def release_labels(name: str) -> dict[str, str]:
    """The label selector helm's own ``Query`` uses for one release."""
    return {**OWNER_LABELS, "name": name}


def decode_release(secret: Mapping[str, Any]) -> dict[str, Any]:
    """The release JSON inside one of helm's storage Secrets (as the API returns it)."""
    name = (secret.get("metadata") or {}).get("name", "?")
    if secret.get("type") != SECRET_TYPE:
        raise ReleaseFormatError(
            f"secret {name} has type {secret.get('type')!r}, not {SECRET_TYPE}"
        )
    encoded = (secret.get("data") or {}).get("release")
    if not isinstance(encoded, str):
        raise ReleaseFormatError(f"secret {name} has no data.release")
    try:
        payload = base64.b64decode(base64.b64decode(encoded, validate=True), validate=True)
        if payload[:3] == _GZIP_MAGIC:
            payload = gzip.decompress(payload)
        release = json.loads(payload)
    except (binascii.Error, ValueError, OSError, EOFError, zlib.error) as error:
        raise ReleaseFormatError(f"secret {name}: data.release does not decode: {error}") from error
    if not isinstance(release, dict):
        raise ReleaseFormatError(f"secret {name}: data.release is not a JSON object")
    return release


def latest_release(secrets: Iterable[Mapping[str, Any]], name: str) -> StoredRelease | None:
    """The newest revision among ``secrets`` (one release's), or None when there is none.

    Like helm's ``Releases.Last``: the highest revision number, whatever its status.
    """
    releases = [decode_release(secret) for secret in secrets]
    releases = [r for r in releases if r.get("name") == name]
    if not releases:
        return None
    try:
        newest = max(releases, key=lambda r: int(r["version"]))
        deployed = [int(r["version"]) for r in releases if _status(r) in (DEPLOYED, SUPERSEDED)]
        metadata = newest["chart"]["metadata"]
        state = ReleaseState(
            name=str(newest["name"]),
            namespace=str(newest.get("namespace", "")),
            status=_status(newest),
            chart=f"{metadata['name']}-{metadata['version']}",
            revision=str(newest["version"]),
            last_deployed_revision=max(
                (v for v in deployed if v < int(newest["version"]) or _status(newest) == DEPLOYED),
                default=None,
            ),
            source="api",
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ReleaseFormatError(f"release {name}: unexpected record ({error})") from error
    config = newest.get("config")
    return StoredRelease(state, dict(config) if isinstance(config, dict) else {})


def _status(release: Mapping[str, Any]) -> str:
    return str((release.get("info") or {}).get("status", ""))
