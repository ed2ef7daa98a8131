"""Deterministic YAML: the C emitter, keys in the order they were built, no line folding.

PyYAML's representer is pure Python and dominates render time, while most files
of a batch of environments (the operator's, the kustomization.yaml files) are
the same from one environment to the next. So documents are memoised by their
JSON text, which the C json encoder produces far faster than YAML is represented.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import yaml

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump_documents(documents: Iterable[Mapping[str, Any]]) -> str:
    return _dump_json_text(json.dumps(list(documents), ensure_ascii=False))


@lru_cache(maxsize=512)
def _dump_json_text(text: str) -> str:
    return yaml.dump_all(
        json.loads(text),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        explicit_start=True,
        width=2**16,
    )
