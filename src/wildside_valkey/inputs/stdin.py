"""``--var-file -``: variables from standard input.

The text has no file name to tell its format, so it is told as OpenTofu tells a
var file without a known extension (``-var-file=<(script)``): JSON when it starts
with ``{``, HCL (``.tfvars``) otherwise (opentofu/opentofu
``internal/command/meta_vars.go``, ``addVarsFromFile``: ``detectJSON``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from ..errors import VarFileError
from . import sources

STDIN = "-"
STDIN_NAME = "standard input"


def read_stdin_values(stream: TextIO) -> dict[str, Any]:
    """The variables on ``stream``, keyed by name, with their raw values."""
    try:
        text = stream.read()
    except (OSError, UnicodeDecodeError) as error:
        raise VarFileError(f"cannot read variables from {STDIN_NAME}: {error}") from error
    where = Path(STDIN_NAME)
    if text.lstrip().startswith("{"):
        loaded = sources._parse_json(where, text)  # the shared per-format reader
    else:
        loaded = sources._parse_hcl(where, text)
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise VarFileError(
            f"{STDIN_NAME} must hold a mapping of variable names to values "
            f"(got a {type(loaded).__name__})"
        )
    return loaded
