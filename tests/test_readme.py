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


Example = list[tuple[str, str]]  # one console block: (command, expected output) in order


def _console_examples() -> list[Example]:
    examples: list[Example] = []
    for block in _blocks("console"):
        steps: Example = []
        for line in block.splitlines(keepends=True):
            if line.startswith("$ "):
                steps.append((line[2:].strip(), ""))
            elif steps:
                command, expected = steps[-1]
                steps[-1] = (command, expected + line)
        examples.append(steps)
    return examples


def test_readme_generated_sections_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "update_readme.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + "\nregenerate with: make readme"


@pytest.mark.parametrize("steps", _console_examples(), ids=lambda steps: steps[0][0][:60])
def test_console_example(steps: Example, tmp_path: Path) -> None:
    """Each block runs in one fresh folder, its commands in order, as a reader would."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command, expected in steps:
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
    assert sum(len(steps) for steps in _console_examples()) >= 5
    assert _blocks("python")
