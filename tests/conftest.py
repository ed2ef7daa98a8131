"""Shared fixtures: where the repository, the CRDs and the installed command are."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

# Loaded before anything can load regopy: the two native libraries share C++ symbol names,
# and with regopy loaded first a CEL evaluation that ends in an error value crashes the
# interpreter (free(): invalid pointer). Loaded in this order, both work (tests/test_flux_health.py
# and tests/policies run in one session).
import tests.cel_runtime  # noqa: F401

# The workload side's real servers, for tests/connect and tests/e2e alike.
pytest_plugins = ["tests.connect.fixtures"]

REPO = Path(__file__).resolve().parents[1]


def command_path() -> str:
    """The installed console script, beside the interpreter running the tests."""
    beside = Path(sys.executable).parent / "wildside-valkey"
    found = str(beside) if beside.exists() else shutil.which("wildside-valkey")
    if not found:
        pytest.fail("the wildside-valkey command is not installed: run `make venv`")
    return found


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def installed_tool(name: str, *, install_hint: str) -> str | None:
    """A program the tests run: beside the interpreter (`make helm` puts helm, helm3 and
    kubectl in .venv/bin), else on PATH. Missing, the caller skips, but in CI that is a
    failure: the project's own files install it, so CI never skips for want of it."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None and in_ci():
        pytest.fail(f"`{name}` is missing in CI: {install_hint}", pytrace=False)
    return found


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run the real command in a new process, in a temporary working folder."""

    # The venv's helm (`make helm`) first, as a user has it on PATH; loopback never
    # through a proxy.
    base = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1,localhost"])),
    }

    def run(
        args: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command_path(), *args],
            cwd=cwd or tmp_path,
            env={**base, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run
