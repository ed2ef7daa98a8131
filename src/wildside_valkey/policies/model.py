"""The typed results of a policy run: findings, the report, and the manifests checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from wildside_valkey.errors import PolicyDenied


class Severity(StrEnum):
    """How a rule reports: a denial fails the run (exit 1), a warning does not."""

    DENY = "deny"
    WARN = "warn"


@dataclass(frozen=True, slots=True)
class ManifestFile:
    """One YAML file of a manifest set: its path as shown in messages, and its documents."""

    path: str
    documents: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of one rule about one object (or about the input, with empty object fields)."""

    severity: Severity
    package: str
    rule: str
    message: str
    file: str
    kind: str
    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one evaluation found, denials first, in a stable order."""

    files: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def denials(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.DENY)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARN)

    @property
    def denied(self) -> bool:
        return any(f.severity is Severity.DENY for f in self.findings)

    def raise_for_denials(self) -> None:
        """Raise :class:`PolicyDenied` listing every denial, so a caller can exit 1."""
        denials = self.denials
        if not denials:
            return
        noun = "denial" if len(denials) == 1 else "denials"
        lines = [f"{len(denials)} policy {noun}:"]
        lines.extend(f"  - [{f.rule}] {f.message}" for f in denials)
        raise PolicyDenied("\n".join(lines))
