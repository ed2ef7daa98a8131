"""The real helm binary (installed into the venv by `make helm`, scripts/install_helm.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ECHO_CHART = Path(__file__).resolve().parent / "echo-chart"


@dataclass(frozen=True)
class RealHelm:
    executable: Path
    env: dict[str, str]

    def __call__(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.executable), *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )

    @property
    def version(self) -> str:
        return self("version", "--short").stdout.strip()


RunHelm = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def real_helm(tmp_path: Path) -> RealHelm:
    """Real helm with its caches and config under tmp_path; CI fails without it."""
    executable = Path(sys.executable).parent / "helm"
    if not executable.is_file():
        message = f"no real helm at {executable}: run `make helm`"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    home = tmp_path / "helm-home"
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    return RealHelm(executable, env)
