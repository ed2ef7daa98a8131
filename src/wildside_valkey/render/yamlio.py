"""Deterministic YAML: the C emitter, keys in the order they were built, no line folding.

PyYAML's representer is pure Python and dominates render time, while most files
of a batch of environments (the operator's, the kustomization.yaml files) are
the same from one environment to the next. So documents are memoised by their
JSON text, which the C json encoder produces far faster than YAML is represented,
and the dumper skips the work our documents never need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import msgspec
import yaml

_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Resolved = dict[tuple[type, str, tuple[bool, ...]], str]


_STR, _INT, _BOOL, _NULL = (f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool", "null"))
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """The C dumper with the representer's generic machinery taken out, output unchanged.

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
            if len(self._resolved) < 100_000:
                self._resolved[key] = tag
        return tag


def dump_documents(documents: Iterable[Mapping[str, Any]]) -> str:
    return _dump_json_text(msgspec.json.encode(list(documents)))


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
