"""Writing YAML the one way this project does: every string reads back as a string.

Every YAML file or text the tool writes (the rendered tree, ``contract --format
yaml|configmap``) comes out of :func:`dump_documents` or :func:`dump_document`.
Three kinds of reader see it:

- PyYAML (YAML 1.1 as PyYAML reads it), which the dumper's own resolver models;
- go-yaml v2 (kubectl, client-go and Flux's controllers, through
  sigs.k8s.io/yaml), whose resolve table also reads ``y``/``Y``/``n``/``N`` as
  booleans, ``1e3``, ``08`` and ``0X1F`` as numbers, ``+_1`` as an integer and
  ``2024-1-2`` as a timestamp;
- YAML 1.2 readers (core schema), which read ``1e3`` and ``0o17`` as numbers.

A plain (unquoted) scalar is written only when all of them read it as the
string it is; anything one of them might take for a boolean, a number, a null
or a timestamp is quoted. The rule below is deliberately a little wider than
the readers (it quotes a few texts no reader would misread, such as ``1e400``):
quoting too much costs two characters, quoting too little changes a value.
Numbers, booleans and nulls stay plain, so a value the user meant as a number
stays a number. ``tests/yaml_readers.py`` holds the three readers the tests
check this against, go-yaml v2's written from its resolve.go.

Rendering is fast because documents are memoised by their JSON text, which the
C json encoder produces far faster than YAML is represented, and the dumper
skips the work our documents never need.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import msgspec
import yaml

_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Resolved = dict[tuple[type, str, tuple[bool, ...]], str]

_STR, _INT, _BOOL, _NULL = (f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool", "null"))
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# Returned by the resolver for a string another reader would not read as one: any tag
# but str makes the emitter quote the scalar (and it writes no tag for a quoted str).
_AMBIGUOUS = "tag:wildside-valkey,2026:not-plain"

# go-yaml v2's booleans that YAML 1.1 as PyYAML reads it does not have (PyYAML has the
# rest of go-yaml's table: yes/no/on/off/true/false in their case forms, ~ and null).
_GO_YAML_ONLY_WORDS = frozenset({"y", "Y", "n", "N"})
# (Patterns are kept as text and compiled on first use, by re's own cache.)
# What a number can look like to any of the readers: an optional sign, then a decimal
# (at most one dot, an exponent, underscores anywhere: go-yaml removes them before
# parsing, YAML 1.2 readers such as ruamel.yaml accept them), a 0x/0o/0b integer (either
# case: go's ParseInt takes 0X), or an infinity or NaN; sexagesimal 1:20 is PyYAML's own.
_NUMBER = (
    r"[-+]?(?:[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9_]+)?"
    r"|0[xX][0-9a-fA-F_]*|0[oO][0-7_]*|0[bB][01_]*|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"
)
# go-yaml v2 tries every plain scalar starting YYYY- as a timestamp, with one- or
# two-digit month and day (Go's "2006-1-2" layouts), where PyYAML wants two digits.
_TIMESTAMP = r"(?s)[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?"


def plain_is_safe(text: str) -> bool:
    """Whether every reader takes ``text``, written unquoted, for the string it is,
    given that PyYAML does (the dumper's resolver has already asked it)."""
    if text in _GO_YAML_ONLY_WORDS:
        return False
    # Numbers and timestamps start with a sign, a dot or a digit: most text (names) does not.
    if not text or text[0] not in "-+.0123456789":
        return True
    return not (re.fullmatch(_NUMBER, text) or re.fullmatch(_TIMESTAMP, text))


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """The C dumper with the representer's generic machinery taken out, and a resolver
    that asks every reader, not PyYAML alone, whether a string may be written plain.

    Our documents are plain JSON data that share no objects: no anchors to look
    for, no type dispatch through the MRO; each node is what SafeRepresenter would
    build for it. And the tag of a scalar depends only on its text, so it is
    resolved once per text.
    """

    _resolved: _Resolved = {}  # noqa: RUF012 - a process-wide memo, on purpose

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(_STR, data)
        if kind is dict:
            pairs = [(self.represent_data(k), self.represent_data(v)) for k, v in data.items()]
            return yaml.MappingNode(_MAP, pairs, flow_style=False)
        if kind is list:
            return yaml.SequenceNode(_SEQ, [self.represent_data(v) for v in data], flow_style=False)
        if kind is bool:
            return yaml.ScalarNode(_BOOL, "true" if data else "false")
        if kind is int:
            return yaml.ScalarNode(_INT, str(data))
        if data is None:
            return yaml.ScalarNode(_NULL, "null")
        node: yaml.Node = super().represent_data(data)  # floats and anything rarer
        return node

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is not yaml.ScalarNode:
            resolved: str = super().resolve(kind, value, implicit)
            return resolved
        key = (kind, value, tuple(implicit))
        tag = self._resolved.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            # implicit[0]: the emitter asks what the text would be read as if written plain.
            if tag == _STR and implicit[0] and not plain_is_safe(value):
                tag = _AMBIGUOUS
            if len(self._resolved) < 100_000:
                self._resolved[key] = tag
        return tag


def dump_documents(documents: Iterable[Mapping[str, Any]]) -> str:
    """A YAML stream, each document after ``---``, keys in the order they were built."""
    return _dump_json_text(msgspec.json.encode(list(documents)))


def dump_document(document: Mapping[str, Any]) -> str:
    """One YAML document without the ``---`` line (a file such as kustomization.yaml)."""
    return dump_documents([document]).removeprefix("---\n")


@lru_cache(maxsize=512)
def _dump_json_text(text: bytes) -> str:
    return yaml.dump_all(
        msgspec.json.decode(text),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        explicit_start=True,
        width=2**16,
    )
