"""The README's examples run, so they cannot rot; its generated sections are current."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

README = REPO / "README.md"
_FENCE = re.compile(r"^```(?P<lang>[a-z]+)\n(?P<body>.*?)^```$", re.DOTALL | re.MULTILINE)


def _blocks(language: str) -> list[str]:
    return [m["body"] for m in _FENCE.finditer(README.read_text()) if m["lang"] == language]


def _console_examples() -> list[tuple[str, str]]:
    examples: list[tuple[str, str]] = []
    for block in _blocks("console"):
        command, expected = "", ""
        for line in block.splitlines(keepends=True):
            if line.startswith("$ "):
                if command:
                    examples.append((command, expected))
                command, expected = line[2:].strip(), ""
            else:
                expected += line
        if command:
            examples.append((command, expected))
    return examples


def test_readme_generated_sections_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "update_readme.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + "\nregenerate with: make readme"


@pytest.mark.parametrize(
    ("command", "expected"), _console_examples(), ids=lambda v: v[:60] if "\n" not in v else ""
)
def test_console_example(command: str, expected: str, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-c", f"{command} 2>&1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.stdout == expected, f"README example `{command}` printed:\n{result.stdout}"


@pytest.mark.parametrize("source", _blocks("python"))
def test_python_example(source: str) -> None:
    exec(compile(source, "README.md", "exec"), {})


def test_there_are_examples() -> None:
    assert len(_console_examples()) >= 3
    assert _blocks("python")
