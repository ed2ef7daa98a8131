"""Label and field selectors with the semantics of the Kubernetes API server.

Kept separate from the server so the parsing can be tested on its own: the
notable rules are that `k!=v` and `k notin (...)` also match objects that do
not carry `k` at all, and that commas inside `in (...)` do not split terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_KEY = r"[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET_RE = re.compile(rf"^({_KEY})\s+(in|notin)\s*\(([^()]*)\)$")
_EQ_RE = re.compile(rf"^({_KEY})\s*(==|=|!=)\s*({_VALUE})$")
_CMP_RE = re.compile(rf"^({_KEY})\s*(>|<)\s*(-?[0-9]+)$")
_NOT_EXISTS_RE = re.compile(rf"^!\s*({_KEY})$")
_EXISTS_RE = re.compile(rf"^({_KEY})$")
_VALUE_RE = re.compile(rf"^{_VALUE}$")


class SelectorError(ValueError):
    """An unparsable selector; the server answers 400 BadRequest with its text."""


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", ">", "<"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        if self.op == "=":
            return has and value == self.values[0]
        if self.op == "!=":
            return not has or value != self.values[0]
        if self.op == "in":
            return has and value in self.values
        if self.op == "notin":
            return not has or value not in self.values
        # ">" and "<" compare integers; a non-integer label never matches.
        try:
            number = int(value) if value is not None else None
        except ValueError:
            return False
        if number is None:
            return False
        bound = int(self.values[0])
        return number > bound if self.op == ">" else number < bound


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    terms: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError(f"unable to parse requirement: unbalanced ')' in {text!r}")
        if ch == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth != 0:
        raise SelectorError(f"unable to parse requirement: unbalanced '(' in {text!r}")
    terms.append("".join(current))
    return terms


def parse_label_selector(text: str) -> list[Requirement]:
    """Parse a `labelSelector` query value; an empty string selects everything."""
    if not text.strip():
        return []
    reqs: list[Requirement] = []
    for raw in _split_terms(text):
        term = raw.strip()
        if not term:
            raise SelectorError(f"unable to parse requirement: empty term in {text!r}")
        if m := _SET_RE.match(term):
            if not m.group(3).strip():
                raise SelectorError(
                    f"unable to parse requirement: for 'in', 'notin' operators, "
                    f"values set can't be empty (key {m.group(1)!r})"
                )
            values = tuple(v.strip() for v in m.group(3).split(","))
            bad = [v for v in values if not _VALUE_RE.match(v)]
            if bad:
                raise SelectorError(f"unable to parse requirement: invalid label value: {bad[0]!r}")
            reqs.append(Requirement(m.group(1), m.group(2), values))
        elif m := _EQ_RE.match(term):
            op = "=" if m.group(2) in ("=", "==") else "!="
            reqs.append(Requirement(m.group(1), op, (m.group(3),)))
        elif m := _CMP_RE.match(term):
            reqs.append(Requirement(m.group(1), m.group(2), (m.group(3),)))
        elif m := _NOT_EXISTS_RE.match(term):
            reqs.append(Requirement(m.group(1), "!"))
        elif m := _EXISTS_RE.match(term):
            reqs.append(Requirement(m.group(1), "exists"))
        else:
            raise SelectorError(
                f"unable to parse requirement: found {term!r}, expected: a label selector"
            )
    return reqs


def labels_match(reqs: list[Requirement], labels: Mapping[str, str] | None) -> bool:
    return all(r.matches(labels or {}) for r in reqs)


# Fields every type supports; Kubernetes adds a few per type (e.g. Secret `type`).
_FIELD_GETTERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "metadata.name": lambda o: str((o.get("metadata") or {}).get("name", "")),
    "metadata.namespace": lambda o: str((o.get("metadata") or {}).get("namespace", "")),
}
_FIELD_RE = re.compile(r"^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$")


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    negate: bool
    value: str

    def matches(self, obj: Mapping[str, Any]) -> bool:
        actual = _FIELD_GETTERS[self.field](obj)
        return (actual != self.value) if self.negate else (actual == self.value)


def parse_field_selector(text: str) -> list[FieldRequirement]:
    if not text.strip():
        return []
    reqs: list[FieldRequirement] = []
    for raw in text.split(","):
        m = _FIELD_RE.match(raw.strip())
        if not m:
            raise SelectorError(f"invalid selector: {text!r}; can't understand {raw.strip()!r}")
        name, op, value = m.group(1), m.group(2), m.group(3).strip()
        if name not in _FIELD_GETTERS:
            # The real server's wording, so clients that surface it read naturally.
            raise SelectorError(f"field label not supported: {name}")
        reqs.append(FieldRequirement(name, op == "!=", value))
    return reqs


def fields_match(reqs: list[FieldRequirement], obj: Mapping[str, Any]) -> bool:
    return all(r.matches(obj) for r in reqs)
