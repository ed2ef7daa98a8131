"""The documents' apply-mode sessions (```shell-session blocks) run against the real cluster.

README.md, ARCHITECTURE.md and docs/*.md are searched (tests/doc_blocks.py).

Each block runs in one fresh folder, its commands in order, with KUBECONFIG
pointing at the end-to-end cluster, real helm on PATH, and the chart server named
by TF_VAR_ variables (the sessions use the product's defaults otherwise: the
operator release valkey-operator in valkey-system, which each session starts
without). Times differ from run to run, so timestamps and the AGE column are
compared as placeholders; everything else must match exactly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doc_blocks import Block, blocks
from tests.e2e.conftest import Live
from tests.e2e.harness import cluster
from wildside_valkey.apply.marker import MARKER_NAME

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


def _without_the_shared_operator(live: Live) -> None:
    """The sessions install the operator release: none may be there when one starts."""
    uninstalled = subprocess.run(
        [
            str(Path(sys.executable).parent / "helm"),
            *("uninstall", "valkey-operator", "--namespace", "valkey-system"),
            *("--ignore-not-found", "--wait"),
        ],
        env=os.environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert uninstalled.returncode == 0, uninstalled.stderr
    live.kube.delete(f"/api/v1/namespaces/valkey-system/configmaps/{MARKER_NAME}")


@pytest.mark.parametrize("session", _sessions(), ids=lambda session: session.label)
def test_readme_session(session: Block, live: Live, tmp_path: Path) -> None:
    _without_the_shared_operator(live)
    work = tmp_path / "session"
    work.mkdir()
    state = live.state
    env = {
        **os.environ,  # KUBECONFIG, SSL_CERT_FILE, PATH with real helm (the live fixture)
        "TF_VAR_chart_repository": state.chart_repository,
        "TF_VAR_chart_version": state.chart_version,
        "TF_VAR_flux_source_kind": "HelmRepository",
        "TF_VAR_storage_class": cluster.STORAGE_CLASS,
    }
    namespaces = sorted(set(re.findall(r"namespace: (preview-\d+)", session.body)))
    live.namespaces.extend(namespaces)  # removed at the end, whatever happened
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
