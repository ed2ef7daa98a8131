"""A render never destroys what it did not write, and an interrupted one leaks nothing.

Real subprocesses, killed with SIGKILL, SIGTERM and SIGHUP at several moments of a
large ``render --each`` write; concurrent renders into one OUT; symlinked and very
long --out names; files in OUT that the previous render did not write.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import RunCli, command_path

ENVIRONMENTS = 400


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _each(tmp_path: Path, nodes: int) -> str:
    name = f"envs-{nodes}.json"
    entries = [
        {"cluster_name": f"pr-{i}", "namespace": f"preview-{i}", "nodes": nodes}
        for i in range(ENVIRONMENTS)
    ]
    (tmp_path / name).write_text(json.dumps(entries))
    return name


def _render(tmp_path: Path, each: str, out: str = "out") -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [command_path(), "render", "--each", each, "--out", out],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))


@pytest.fixture
def trees(tmp_path: Path, run_cli: RunCli) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The tree of nodes=3 rendered into out/ (kept there) and that of nodes=5 (elsewhere)."""
    for nodes, out in ((5, "new"), (3, "out")):
        result = run_cli(["render", "--each", _each(tmp_path, nodes), "--out", out])
        assert result.returncode == 0, result.stderr
    new = _snapshot(tmp_path / "new")
    return _snapshot(tmp_path / "out"), new


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("delay", [0.4, 1.0])
def test_a_killed_render_leaves_the_old_or_the_new_tree(
    tmp_path: Path,
    run_cli: RunCli,
    trees: tuple[dict[str, bytes], dict[str, bytes]],
    signum: int,
    delay: float,
) -> None:
    old, new = trees
    process = _render(tmp_path, "envs-5.json")
    time.sleep(delay)
    process.send_signal(signum)
    process.wait(timeout=60)
    after = _snapshot(tmp_path / "out")
    assert after in (old, new), "OUT holds a mixture or a partial tree"
    if signum != signal.SIGKILL:
        # Caught: the staging folder is removed on the way out.
        assert _leftovers(tmp_path) == []
    # Whatever a SIGKILL left, the next render removes.
    result = run_cli(["render", "--each", "envs-5.json", "--out", "out"])
    assert result.returncode == 0, result.stderr
    assert _snapshot(tmp_path / "out") == new
    assert _leftovers(tmp_path) == []


def test_out_exists_at_every_instant(
    tmp_path: Path, trees: tuple[dict[str, bytes], dict[str, bytes]]
) -> None:
    out = tmp_path / "out"
    missing: list[float] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if not (out / "contracts.json").is_file():
                missing.append(time.monotonic())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for each in ("envs-5.json", "envs-3.json", "envs-5.json"):
            process = _render(tmp_path, each)
            assert process.wait(timeout=120) == 0
    finally:
        done.set()
        watcher.join()
    assert missing == []


def test_two_renders_into_one_out_do_not_corrupt_it(
    tmp_path: Path, trees: tuple[dict[str, bytes], dict[str, bytes]]
) -> None:
    old, new = trees
    first = _render(tmp_path, "envs-5.json")
    second = _render(tmp_path, "envs-3.json")
    assert first.wait(timeout=120) == 0
    assert second.wait(timeout=120) == 0
    assert _snapshot(tmp_path / "out") in (old, new)
    assert _leftovers(tmp_path) == []


def test_a_file_the_render_did_not_write_stops_it(tmp_path: Path, run_cli: RunCli) -> None:
    assert run_cli(["render", "--out", "out"]).returncode == 0
    (tmp_path / "out" / "my.tfvars").write_text("nodes = 3\n")
    (tmp_path / "out" / ".git").mkdir()
    (tmp_path / "out" / "cluster" / "notes").mkdir()
    before = _snapshot(tmp_path / "out")
    result = run_cli(["render", "--var-file", "out/my.tfvars", "--out", "out"])
    assert result.returncode == 2
    assert "holds files the previous render did not write (.git, cluster/notes, my.tfvars)" in (
        result.stderr
    )
    assert _snapshot(tmp_path / "out") == before
    assert (tmp_path / "out" / ".git").is_dir()


def test_an_each_file_inside_out_is_not_deleted(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "envs.json").write_text(json.dumps([{"cluster_name": "a"}]))
    result = run_cli(["render", "--each", "out/envs.json", "--out", "out"])
    assert result.returncode == 2
    assert "envs.json" in result.stderr
    assert (tmp_path / "out" / "envs.json").is_file()


def test_a_symlinked_out_is_followed_and_kept(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    for _ in range(2):
        result = run_cli(["render", "--out", "link"])
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "real" / "contract.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_long_out_name_works(tmp_path: Path, run_cli: RunCli) -> None:
    name = "o" * os.pathconf(tmp_path, "PC_NAME_MAX")
    for _ in range(2):
        result = run_cli(["render", "--out", name])
        assert result.returncode == 0, result.stderr
    assert (tmp_path / name / "contract.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_leftovers_of_an_older_interrupted_render_are_removed(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / ".out.new-123-0" / "cluster").mkdir(parents=True)
    result = run_cli(["render", "--out", "out"])
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_tree_without_a_record_is_not_replaced(tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "out"
    (out / "cluster").mkdir(parents=True)
    (out / "cluster" / "valkey.yaml").write_text("kept: true\n")
    (out / ".wildside-valkey").write_text(
        "This folder is generated by `wildside-valkey render` and replaced whole on every render.\n"
    )
    result = run_cli(["render", "--out", "out"])
    assert result.returncode == 2
    assert "an earlier wildside-valkey that kept no record of its files" in result.stderr
    assert (out / "cluster" / "valkey.yaml").read_text() == "kept: true\n"
