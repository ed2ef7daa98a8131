"""The documents' apply-mode sessions (```shell-session blocks) run against the fake API server.

README.md, ARCHITECTURE.md and docs/*.md are searched (tests/doc_blocks.py).

Each block runs in one fresh folder, its commands in order, with KUBECONFIG
pointing at a fresh fake cluster (operator simulated, helm stand-in on PATH).
Times differ from run to run, so timestamps and the AGE column are compared
as placeholders; everything else must match exactly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doc_blocks import Block, blocks
from tests.fakes.cluster import FakeCluster

_TIMESTAMP = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_CELLS = re.compile(r" {2,}")


# Sessions when the README was split into docs/ (issue 13): none may drop out.
SESSION_COMMANDS = 7


def _sessions() -> list[Block]:
    return blocks("shell-session")


def normalise(text: str) -> str:
    lines = []
    table = False
    for line in _TIMESTAMP.sub("<time>", text).splitlines():
        table = line.startswith("NAMESPACE  NAME  AGE") or (table and bool(line.strip()))
        if not table:
            lines.append(line)
            continue
        cells = _CELLS.split(line.strip())
        if cells[0] != "NAMESPACE":
            cells[2] = "<age>"
        lines.append("  ".join(cells))
    return "\n".join(lines)


def test_the_documents_have_their_sessions() -> None:
    assert sum(len(session.steps()) for session in _sessions()) >= SESSION_COMMANDS


@pytest.mark.parametrize("session", _sessions(), ids=lambda session: session.label)
def test_readme_session(session: Block, fake_cluster: FakeCluster, tmp_path: Path) -> None:
    work = tmp_path / "session"
    work.mkdir()
    env = {
        **os.environ,
        # The helm stand-in (first on the fixture's PATH) before the venv's real helm.
        "PATH": f"{os.environ['PATH']}{os.pathsep}{Path(sys.executable).parent}",
        "KUBECONFIG": str(fake_cluster.kubeconfig.path),
    }
    for command, expected in session.steps():
        result = subprocess.run(
            ["bash", "-c", f"{{ {command}\n}} 2>&1"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert normalise(result.stdout) == normalise(expected), (
            f"{session.document}:{session.line}: example `{command}` printed:\n{result.stdout}"
        )


def test_normalise_keeps_what_matters() -> None:
    table = "NAMESPACE  NAME  AGE  READY\npreview-1  pr-1  2s   true\n"
    assert normalise(table) == normalise(table.replace("2s ", "9m "))
    assert normalise(table) != normalise(table.replace("true", "false"))
    assert normalise("at 2026-12-01T09:00:01Z") == "at <time>"
