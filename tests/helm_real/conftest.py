"""The real helm binaries (helm 4 and helm 3, installed into the venv by `make helm`,
scripts/install_helm.py): `real_helm` runs each test with both, `real_helm4` with
helm 4 alone, for what only helm 4 does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ECHO_CHART = Path(__file__).resolve().parent / "echo-chart"


# The binaries `make helm` installs, and the versions they must report.
PINNED = {"helm": "v4.1.4", "helm3": "v3.17.2"}


@dataclass(frozen=True)
class RealHelm:
    executable: Path
    env: dict[str, str]
    pinned: str  # the version scripts/install_helm.py pinned for this binary

    @property
    def major(self) -> int:
        return int(self.pinned[1:].split(".")[0])

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


@pytest.fixture(params=sorted(PINNED), ids=lambda name: PINNED[name])
def real_helm(request: pytest.FixtureRequest, tmp_path: Path) -> RealHelm:
    """Each real helm (4 and 3), with caches and config under tmp_path; CI fails without it."""
    return _real_helm(str(request.param), tmp_path)


@pytest.fixture
def real_helm4(tmp_path: Path) -> RealHelm:
    return _real_helm("helm", tmp_path)


def _real_helm(name: str, tmp_path: Path) -> RealHelm:
    executable = Path(sys.executable).parent / name
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
    return RealHelm(executable, env, PINNED[name])
