"""``--var-file -``: variables from standard input.

The text has no file name to tell its format, so it is told as OpenTofu tells a
var file without a known extension (``-var-file=<(script)``): JSON when it starts
with ``{``, HCL (``.tfvars``) otherwise (opentofu/opentofu
``internal/command/meta_vars.go``, ``addVarsFromFile``: ``detectJSON``). It is
read with the bound of a var file of that format and parsed by the same reader,
so a parser's words are scrubbed of the password as a file's are.
"""

from __future__ import annotations

from typing import Any, TextIO

from ..errors import VarFileError
from ..reading import read_stream_text
from .sources import VAR_FILE_LIMITS, VarFileKind, parse_var_text

STDIN = "-"
STDIN_NAME = "standard input"


def read_stdin_values(stream: TextIO) -> dict[str, Any]:
    """The variables on ``stream``, keyed by name, with their raw values."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        text = read_stream_text(buffer, what=STDIN_NAME, limit=VAR_FILE_LIMITS["json"])
    else:  # a text stream with no bytes beneath it (io.StringIO in the library API)
        text = stream.read()
    kind: VarFileKind = "json" if text.lstrip().startswith("{") else "hcl"
    if len(text.encode("utf-8", "surrogatepass")) > VAR_FILE_LIMITS[kind]:
        raise VarFileError(
            f"{STDIN_NAME} is larger than the {VAR_FILE_LIMITS[kind] // 1024} KiB read for "
            f"{'JSON' if kind == 'json' else '.tfvars'} variables"
        )
    return parse_var_text(text, source=STDIN_NAME, kind=kind)
