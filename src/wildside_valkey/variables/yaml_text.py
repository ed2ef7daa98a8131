"""Reading YAML text the one way this project does: safe, with the C loader, and
errors placed at a 1-based line and column for the message.
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The document in ``text``; raises ``yaml.YAMLError`` as PyYAML does."""
    return yaml.load(text, Loader=_Loader)


def error_position(error: yaml.YAMLError) -> str:
    """`` at line L, column C`` where PyYAML knows it, else an empty string."""
    mark = getattr(error, "problem_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
