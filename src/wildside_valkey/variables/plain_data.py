"""What a value from any source must be: data that JSON and Kubernetes can carry.

Every reader hands its result to :func:`plain_data_problem` before the value
goes anywhere, so a value that would later turn into ``null``, differ from run
to run, or crash a serializer is named by its path at the edge instead.
"""

from __future__ import annotations

import math
from typing import Any

# Deeper than any variable's type (the deepest, helm_values after parsing, is a few
# levels) and far below Python's recursion limit.
MAX_DEPTH = 100


def plain_data_problem(value: Any) -> str | None:
    """Why ``value`` is not plain JSON data (naming where in it), or ``None``."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        where = f" at {path.lstrip('.')}" if path else ""
        if depth > MAX_DEPTH:
            return f"nests deeper than {MAX_DEPTH} levels{where}"
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    return f"has a key that is not a string{where}"
                stack.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"holds an infinite or not-a-number value{where}, which JSON cannot carry"
        elif not (item is None or isinstance(item, str | int | bool)):
            return f"holds a value JSON cannot carry{where}"
    return None
