"""The atomic writer: a failed render leaves the previous tree intact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wildside_valkey.errors import OutputDirectoryError
from wildside_valkey.inputs import load_variables
from wildside_valkey.plan import build_plan
from wildside_valkey.render import render_tree, write_tree
from wildside_valkey.render.writer import MARKER


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_failed_write_leaves_previous_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "build"
    write_tree(render_tree(build_plan(load_variables())), out)
    before = _snapshot(out)

    real_write = os.write
    calls = {"n": 0}

    def failing_write(descriptor: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real_write(descriptor, data)

    monkeypatch.setattr(os, "write", failing_write)
    changed = render_tree(build_plan(load_variables(var_options=["nodes=5"])))
    with pytest.raises(OutputDirectoryError, match="No space left on device"):
        write_tree(changed, out)
    monkeypatch.undo()

    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"], "staging folder left behind"


def test_marker_is_written_and_tree_is_complete(tmp_path: Path) -> None:
    tree = render_tree(build_plan(load_variables()))
    write_tree(tree, tmp_path / "out")
    files = _snapshot(tmp_path / "out")
    assert set(files) == {*tree, MARKER}
    assert all(files[path].decode() == text for path, text in tree.items())


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(OutputDirectoryError, match="is not a folder"):
        write_tree(render_tree(build_plan(load_variables())), target)
    assert target.read_text() == "x"


def test_empty_folder_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write_tree(render_tree(build_plan(load_variables())), tmp_path / "empty")
    assert (tmp_path / "empty" / "contract.json").is_file()
