"""Deterministic YAML: the C emitter, keys in the order they were built, no line folding."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump_documents(documents: Iterable[Mapping[str, Any]]) -> str:
    return yaml.dump_all(
        [dict(document) for document in documents],
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        explicit_start=True,
        width=2**16,
    )
