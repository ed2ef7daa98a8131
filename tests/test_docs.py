"""The documents' examples run, so they cannot rot; their generated sections are current.

Every ```console block of README.md, ARCHITECTURE.md and docs/*.md runs here,
each in a fresh folder; every ```python block runs too. The apply-mode
sessions (```shell-session) run in tests/e2e/test_doc_sessions.py (make e2e), the
```python workload example in tests/connect/test_readme_workload.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.doc_blocks import Block, blocks, documents
from wildside_valkey.cli.main import COMMANDS

# What the runners found when the README was split into docs/ (issue 13; before:
# 18 commands and 1 Python block, all in the README), and since issue 21 (the
# undeclared-variable warning, the --each disagreement): a
# block that loses its fence or its prompt fails here instead of silently
# dropping out of the suite. Raise these when adding examples.
CONSOLE_COMMANDS = 28
PYTHON_BLOCKS = 2


def test_generated_sections_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "update_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + "\nregenerate with: make docs"


@pytest.mark.parametrize("block", blocks("console"), ids=lambda block: block.label)
def test_console_example(block: Block, tmp_path: Path) -> None:
    """Each block runs in one fresh folder, its commands in order, as a reader would."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command, expected in block.steps():
        result = subprocess.run(
            ["bash", "-c", f"{command} 2>&1"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.stdout == expected, (
            f"{block.document}:{block.line}: example `{command}` printed:\n{result.stdout}"
        )


@pytest.mark.parametrize("block", blocks("python"), ids=lambda block: block.label)
def test_python_example(block: Block) -> None:
    exec(compile(block.body, block.document, "exec"), {})


def test_every_console_block_has_a_command() -> None:
    """A ```console block without a `$ ` prompt would run nothing; such text is ```sh."""
    for block in blocks("console"):
        assert block.steps(), f"{block.document}:{block.line}: a console block with no `$ ` line"


def test_no_example_is_dropped() -> None:
    assert sum(len(block.steps()) for block in blocks("console")) >= CONSOLE_COMMANDS
    assert len(blocks("python")) >= PYTHON_BLOCKS


def test_documents_are_found() -> None:
    names = {path.relative_to(REPO).as_posix() for path in documents()}
    assert {"README.md", "docs/variables.md", "docs/design.md"} <= names


_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_FENCED = re.compile(r"^```.*?^```$", re.DOTALL | re.MULTILINE)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCED.sub("", path.read_text(encoding="utf-8"))
    return {_anchor(m["title"]) for m in re.finditer(r"^#+ (?P<title>.+)$", text, re.MULTILINE)}


def test_links_between_documents_resolve() -> None:
    """Moving a section between documents must not leave a link pointing at nothing."""
    broken = []
    for path in documents():
        text = _FENCED.sub("", path.read_text(encoding="utf-8"))
        for match in _LINK.finditer(text):
            target = match["target"]
            if re.match(r"[a-z]+:", target):
                continue  # a URL
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            if not linked.exists():
                broken.append(f"{path.relative_to(REPO)}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{path.relative_to(REPO)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


# A document named in prose (`operator-facts.md`), not only in a link, must exist too.
_MENTION = re.compile(r"(?<![\w/.-])((?:\.\.?/)?[\w./-]*[\w-]\.md)\b")
# Documents named on purpose that are not in the repository, and where that is said.
ELSEWHERE = {
    "valkey-module-design.md": "docs/design.md: the original design, not part of this repository"
}


def test_documents_named_in_prose_exist() -> None:
    missing = []
    for path in documents():
        text = _FENCED.sub("", path.read_text(encoding="utf-8"))
        for match in _MENTION.finditer(text):
            name = match[1]
            places = (path.parent / name, REPO / name, REPO / "docs" / name)
            if name not in ELSEWHERE and not any(place.is_file() for place in places):
                missing.append(f"{path.relative_to(REPO)}: {name}")
    assert not missing, "\n".join(missing)


def test_the_readme_says_apply_needs_helm_before_apply() -> None:
    """A wheel user meets `helm` not found only if the README kept it until too late."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    before_apply = readme.split("## Apply: a live cluster", 1)[0]
    assert "`helm` 3 (3.8 or later) or 4 on `PATH`" in before_apply
    assert "make helm" in before_apply
    assert "https://helm.sh/docs/intro/install/" in before_apply


@pytest.mark.parametrize("command", list(COMMANDS))
def test_commands_md_lists_every_option_help_prints(command: str) -> None:
    """docs/commands.md is generated from the commands: each section holds what --help says."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "wildside-valkey"), command, "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    printed = set(re.findall(r"^  (--[a-z-]+)", result.stdout, re.MULTILINE)) - {"--help"}
    doc = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    section = doc.split(f"### `{command}`\n", 1)[1].split("\n### ", 1)[0]
    shown = set(re.findall(r"^\| `(--[a-z-]+)", section, re.MULTILINE))
    if "[vars]" in section:
        shown |= {"--var-file", "--var"}
    assert printed == shown
