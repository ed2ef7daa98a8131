"""The same variables always give the same bytes: renders are safe to commit and diff.

Checked within one process (twice in a row, and re-rendering over a previous tree)
and across separate processes that differ in hash seed, time zone and locale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cases.harness import REPO_ROOT, case_names, get_case, run_cli

Tree = dict[str, bytes]

# Renders every case through the CLI into ARGV[1]/<case>/tree, its stdout beside it.
_RENDER_ALL = """
import pathlib, sys
from tests.cases.harness import discover_cases, run_cli
root = pathlib.Path(sys.argv[1])
for case in discover_cases():
    folder = root / case.name
    folder.mkdir(parents=True)
    outcome = run_cli(
        ["render", "--var-file", str(case.variables_file), "--out", str(folder / "tree")]
    )
    if outcome.code != 0:
        sys.exit(f"{case.name}: exit {outcome.code}: {outcome.stderr}")
    (folder / "stdout").write_text(outcome.stdout, encoding="utf-8")
"""
ENVIRONMENTS = (
    {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8"},
    {"PYTHONHASHSEED": "2718281828", "TZ": "Pacific/Chatham", "LC_ALL": "C"},
)


def _tree(folder: Path) -> Tree:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _render(name: str, out: Path) -> tuple[Tree, str]:
    case = get_case(name)
    outcome = run_cli(["render", "--var-file", str(case.variables_file), "--out", str(out)])
    assert outcome.code == 0, outcome.stderr
    return _tree(out), outcome.stdout


def _differences(first: Tree, second: Tree) -> list[str]:
    return sorted(
        path for path in first.keys() | second.keys() if first.get(path) != second.get(path)
    )


@pytest.mark.parametrize("name", case_names())
def test_two_renders_in_one_process_are_byte_identical(name: str, tmp_path: Path) -> None:
    first, first_stdout = _render(name, tmp_path / "first")
    second, second_stdout = _render(name, tmp_path / "second")
    assert "contract.json" in first
    assert _differences(first, second) == []
    assert first_stdout == second_stdout
    # Rendering over the previous tree replaces it with the same bytes.
    again, _ = _render(name, tmp_path / "first")
    assert _differences(first, again) == []


@pytest.fixture(scope="module")
def renders_in_two_processes(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    roots: list[Path] = []
    for index, overrides in enumerate(ENVIRONMENTS):
        root = tmp_path_factory.mktemp(f"process-{index}")
        env = {**os.environ, **overrides}
        env.pop("WILDSIDE_VALKEY_DEBUG", None)
        result = subprocess.run(
            [sys.executable, "-c", _RENDER_ALL, str(root)],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        roots.append(root)
    return roots


@pytest.mark.parametrize("name", case_names())
def test_renders_in_separate_processes_are_byte_identical(
    name: str, renders_in_two_processes: list[Path]
) -> None:
    first, second = (root / name for root in renders_in_two_processes)
    first_tree, second_tree = _tree(first / "tree"), _tree(second / "tree")
    assert len(first_tree) > 5
    assert _differences(first_tree, second_tree) == []
    assert (first / "stdout").read_bytes() == (second / "stdout").read_bytes()
