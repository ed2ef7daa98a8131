"""The fenced blocks of the project's documents, for the tests that run them.

Documents: README.md, ARCHITECTURE.md and docs/*.md. A block is found by its
info string: ```console (commands run in a fresh folder), ```shell-session
(apply-mode sessions run against the end-to-end cluster), ```python and
```python workload (run). ```python sketch marks an API outline that needs a
cluster or data the page does not give; it is the only Python not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

_FENCE = re.compile(r"^```(?P<info>[a-z][^\n]*)\n(?P<body>.*?)^```$", re.DOTALL | re.MULTILINE)

Steps = list[tuple[str, str]]  # one session: (command, expected output) in order


@dataclass(frozen=True)
class Block:
    document: str  # path relative to the repository
    line: int  # line of the opening fence
    info: str
    body: str

    def steps(self) -> Steps:
        """The ``$ command`` lines and the output each is expected to print."""
        steps: Steps = []
        for line in self.body.splitlines(keepends=True):
            if line.startswith("$ "):
                steps.append((line[2:].strip(), ""))
            elif steps:
                steps[-1] = (steps[-1][0], steps[-1][1] + line)
        return steps

    @property
    def label(self) -> str:
        first = self.steps()[0][0] if self.steps() else self.body.split("\n", 1)[0]
        return f"{self.document}:{self.line}:{first[:50]}"


def documents() -> list[Path]:
    top = [REPO / name for name in ("README.md", "ARCHITECTURE.md") if (REPO / name).is_file()]
    return [*top, *sorted((REPO / "docs").glob("*.md"))]


def blocks(info: str) -> list[Block]:
    """Every block whose info string is exactly ``info``, document by document."""
    found = []
    for path in documents():
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            if match["info"].strip() == info:
                line = text.count("\n", 0, match.start()) + 1
                found.append(Block(str(path.relative_to(REPO)), line, info, match["body"]))
    return found
