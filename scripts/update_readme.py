"""Regenerate the README's generated sections from the code.

Sections sit between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``:
``variables`` is the variables table; ``file:PATH`` is PATH of the default render.
Run ``make readme`` (or ``python scripts/update_readme.py``); ``--check`` exits 1
when the README is stale, which the test suite asserts never happens.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from wildside_valkey.inputs import load_variables
from wildside_valkey.plan import build_plan
from wildside_valkey.render import render_tree
from wildside_valkey.variables.docs import variables_table

README = Path(__file__).resolve().parents[1] / "README.md"
_SECTION = re.compile(
    r"(<!-- generated:(?P<name>[^ ]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)",
    re.DOTALL,
)


def _fence(path: str, text: str) -> str:
    language = "json" if path.endswith(".json") else "yaml"
    return (
        f"```{language}\n# {path}\n{text}```\n" if language == "yaml" else f"```json\n{text}```\n"
    )


def generate(readme: str) -> str:
    tree = render_tree(build_plan(load_variables()))

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name == "variables":
            body = variables_table()
        elif name == "tree":
            body = "```text\n" + "".join(f"{path}\n" for path in tree) + "```\n"
        elif name.startswith("file:"):
            body = _fence(name[5:], tree[name[5:]])
        else:
            raise SystemExit(f"unknown generated section {name!r} in README.md")
        return f"{match.group(1)}{body}{match.group(4)}"

    return _SECTION.sub(replace, readme)


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    fresh = generate(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md is stale: run `make readme`", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
