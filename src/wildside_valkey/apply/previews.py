"""``list`` and expiry: every cluster this tool manages on the cluster, read-only.

A cluster is ours when its ``Valkey`` carries our managed-by label *and* was
applied by our field manager (``ownership.py``). Its time to live is the
annotation on its lifecycle record (``plan/lifecycle.py``), and it expires that
long after the record was created. A record whose ``Valkey`` is gone (an apply
or a destroy cut short) is listed too, so that ``destroy --expired`` still
finds what is left. Two list requests in all, whatever the number of clusters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..plan.labels import CLUSTER_KEY, MANAGED_BY, MANAGED_BY_KEY
from ..plan.lifecycle import TTL_ANNOTATION, is_lifecycle_record
from ..variables.derived_names import lifecycle_record_name
from ..variables.formats import go_duration_seconds
from .client import ALL_NAMESPACES
from .kinds import CONFIG_MAP, VALKEY
from .observe import Observer
from .ownership import applied_by_us, labels_of

_MANAGED = {MANAGED_BY_KEY: MANAGED_BY}


@dataclass(frozen=True, slots=True)
class Preview:
    """One managed cluster as ``list`` shows it."""

    namespace: str
    name: str
    created: datetime | None
    ready: bool
    labels: Mapping[str, str]
    ttl: str | None
    ttl_since: datetime | None = None  # when the lifecycle record was created

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def expires(self) -> datetime | None:
        if self.ttl is None or self.ttl_since is None:
            return None
        try:
            seconds = go_duration_seconds(self.ttl)
        except ValueError:
            return None  # a record edited by hand: never guess an expiry
        return self.ttl_since + timedelta(seconds=float(seconds))

    def age_seconds(self, now: datetime) -> int | None:
        return None if self.created is None else int((now - self.created).total_seconds())

    def expired(self, now: datetime) -> bool:
        expires = self.expires
        return expires is not None and expires <= now

    def to_dict(self, now: datetime) -> dict[str, Any]:
        expires = self.expires
        return {
            "namespace": self.namespace,
            "name": self.name,
            "created": _stamp(self.created),
            "age_seconds": self.age_seconds(now),
            "ready": self.ready,
            "labels": dict(sorted(self.labels.items())),
            "ttl": self.ttl,
            "expires": _stamp(expires),
            "expired": self.expired(now),
        }


def list_previews(kube: Observer) -> list[Preview]:
    """Every cluster this tool manages, sorted by namespace and name."""
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for record in kube.list(CONFIG_MAP, ALL_NAMESPACES, _MANAGED):
        metadata = record.get("metadata") or {}
        cluster = labels_of(record).get(CLUSTER_KEY, "")
        mine = applied_by_us(record) and metadata.get("name") == lifecycle_record_name(cluster)
        if mine and is_lifecycle_record({**record, "kind": "ConfigMap"}):
            records[(str(metadata.get("namespace", "")), cluster)] = record
    found: dict[tuple[str, str], Preview] = {}
    for obj in kube.list(VALKEY, ALL_NAMESPACES, _MANAGED):
        if not applied_by_us(obj):
            continue
        metadata = obj.get("metadata") or {}
        key = (str(metadata.get("namespace", "")), str(metadata.get("name", "")))
        found[key] = _preview(
            key, obj, records.get(key), ready=(obj.get("status") or {}).get("ready") is True
        )
    for key, record in records.items():
        found.setdefault(key, _preview(key, record, record, ready=False))
    return [found[key] for key in sorted(found)]


def _preview(
    key: tuple[str, str], obj: Mapping[str, Any], record: Mapping[str, Any] | None, *, ready: bool
) -> Preview:
    record_meta = (record or {}).get("metadata") or {}
    ttl = (record_meta.get("annotations") or {}).get(TTL_ANNOTATION)
    return Preview(
        namespace=key[0],
        name=key[1],
        created=parse_timestamp((obj.get("metadata") or {}).get("creationTimestamp")),
        ready=ready,
        labels=labels_of(obj),
        ttl=None if ttl is None else str(ttl),
        ttl_since=parse_timestamp(record_meta.get("creationTimestamp")),
    )


def expired_previews(previews: Sequence[Preview], now: datetime) -> list[Preview]:
    return [preview for preview in previews if preview.expired(now)]


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 time as the API server writes it (``2026-11-30T02:35:43Z``)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_age(seconds: float) -> str:
    """kubectl's short ages: 45s, 12m, 5h, 3d."""
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def format_previews(previews: Sequence[Preview], now: datetime, output: str) -> str:
    """The ``list`` output: a table, or JSON (``--output json``)."""
    if output == "json":
        import json  # noqa: PLC0415 - only this path needs it

        return json.dumps([p.to_dict(now) for p in previews], indent=2) + "\n"
    if not previews:
        return "No clusters managed by wildside-valkey.\n"
    header = ("NAMESPACE", "NAME", "AGE", "READY", "TTL", "EXPIRES", "LABELS")
    rows = [header]
    for p in previews:
        expires = p.expires
        when = "-" if expires is None else _stamp(expires) or "-"
        if p.expired(now):
            when += " (expired)"
        seconds = p.age_seconds(now)
        age = "-" if seconds is None else format_age(seconds)
        labels = ",".join(f"{k}={v}" for k, v in sorted(p.labels.items())) or "-"
        rows.append((p.namespace, p.name, age, str(p.ready).lower(), p.ttl or "-", when, labels))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"
