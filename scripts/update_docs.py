"""Regenerate the generated sections of the documents (README, ARCHITECTURE, docs/) from the code.

A section sits between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``
in any of :data:`DOCUMENTS`: ``variables`` is the variables table, ``new-variables``
those of its rows the OpenTofu module did not have, ``commands`` every command's
help and options (docs/commands.md), ``tree`` the
file list of the default render, ``file:PATH`` the file PATH of that render.
Run ``make docs`` (``make readme`` is the same; or ``python scripts/update_docs.py``);
``--check`` exits 1 naming every stale document, which the test suite asserts
never happens.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path

from wildside_valkey.cli.reference import commands_reference
from wildside_valkey.inputs import load_variables
from wildside_valkey.plan import build_plan
from wildside_valkey.render import render_tree
from wildside_valkey.variables.docs import variables_table

ROOT = Path(__file__).resolve().parents[1]
_SECTION = re.compile(
    r"(<!-- generated:(?P<name>[^ ]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)",
    re.DOTALL,
)


def documents(root: Path = ROOT) -> list[Path]:
    """Every document that may hold generated sections or examples, in a stable order."""
    top = [root / name for name in ("README.md", "ARCHITECTURE.md") if (root / name).is_file()]
    return [*top, *sorted((root / "docs").glob("*.md"))]


def _fence(path: str, text: str) -> str:
    if path.endswith(".json"):
        return f"```json\n{text}```\n"
    return f"```yaml\n# {path}\n{text}```\n"


def generate(text: str, tree: Mapping[str, str], document: str = "README.md") -> str:
    """``text`` with every generated section rewritten from ``tree`` and the variables."""

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name == "variables":
            body = variables_table()
        elif name == "new-variables":
            body = variables_table(new_only=True)
        elif name == "commands":
            body = commands_reference()
        elif name == "tree":
            body = "```text\n" + "".join(f"{path}\n" for path in tree) + "```\n"
        elif name.startswith("file:") and name[5:] in tree:
            body = _fence(name[5:], tree[name[5:]])
        else:
            raise SystemExit(f"unknown generated section {name!r} in {document}")
        return f"{match.group(1)}{body}{match.group(4)}"

    return _SECTION.sub(replace, text)


def main(argv: list[str]) -> int:
    tree = render_tree(build_plan(load_variables()))
    stale = []
    for path in documents():
        current = path.read_text(encoding="utf-8")
        fresh = generate(current, tree, str(path.relative_to(ROOT)))
        if fresh == current:
            continue
        stale.append(str(path.relative_to(ROOT)))
        if "--check" not in argv:
            path.write_text(fresh, encoding="utf-8")
    if "--check" in argv and stale:
        print(f"stale generated sections in {', '.join(stale)}: run `make docs`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
