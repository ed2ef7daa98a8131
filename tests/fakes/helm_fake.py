"""The test-side handle on the `helm` stand-in: its environment, log and state."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.fakes import helm_cli, helm_storage

HELM_DIR = Path(__file__).resolve().parent / "helm"
REPO_ROOT = Path(__file__).resolve().parents[2]
# Linux reads at most 127 bytes of a shebang line.
_SHEBANG_LIMIT = 120


def write_launcher(directory: Path, python: str | None = None) -> Path:
    """A `helm` in `directory` that starts the stand-in with `python` directly.

    The shim in HELM_DIR goes through `/usr/bin/env python3` and re-executes
    itself under FAKE_HELM_PYTHON: two interpreter starts, and on machines
    where `python3` is a pyenv shim, a bash script on top. Suites that run helm
    hundreds of times use this launcher instead; it runs the same `helm_cli`
    with the same log and state files. Falls back to the shim's folder when the
    interpreter's path is too long for a shebang line.
    """
    python = python or sys.executable
    if len(python) > _SHEBANG_LIMIT:
        return HELM_DIR
    directory.mkdir(parents=True, exist_ok=True)
    launcher = directory / "helm"
    launcher.write_text(
        f"#!{python}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "from tests.fakes.helm_cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    launcher.chmod(0o755)
    return directory


@dataclass(frozen=True)
class HelmCall:
    """One recorded `helm` invocation."""

    argv: list[str]
    values_files: list[dict[str, Any]]
    env: dict[str, str]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def command(self) -> str:
        """The first positional word: `upgrade`, `list`, `get`, ..."""
        return next((a for a in self._positional()), "")

    @property
    def release(self) -> str | None:
        """The release name for commands that take one."""
        pos = self._positional()
        if len(pos) >= 2 and pos[0] in ("upgrade", "install", "status", "uninstall", "history"):
            return pos[1]
        if len(pos) >= 3 and pos[0] == "get":
            return pos[2]
        return None

    def option(self, *names: str) -> str | None:
        """The value of the last of these flags (`--namespace`, `-n`, ...), if given."""
        found: str | None = None
        for i, arg in enumerate(self.argv):
            flag, eq, inline = arg.partition("=")
            if flag in names:
                found = inline if eq else (self.argv[i + 1] if i + 1 < len(self.argv) else None)
        return found

    def has_flag(self, name: str) -> bool:
        return any(a == name or a.startswith(name + "=") for a in self.argv)

    def values(self) -> list[Any]:
        """Parsed content of each `-f/--values` file, in order."""
        return [
            yaml.safe_load(f["content"]) if f["content"] is not None else None
            for f in self.values_files
        ]

    def _positional(self) -> list[str]:
        try:
            return helm_cli.parse_args(self.argv).positional
        except helm_cli.HelmError:
            return [a for a in self.argv if not a.startswith("-")]


@dataclass
class FakeHelm:
    """Where the stand-in keeps its files, and helpers to script and inspect it.

    `env()` is what a subprocess needs (PATH first); the pytest fixture also
    puts it into os.environ, so code that runs `helm` with the inherited
    environment finds the stand-in.
    """

    root: Path
    bin_dir: Path = HELM_DIR
    python: str = field(default_factory=lambda: sys.executable)
    # The fake API server the stand-in writes helm's storage Secrets to (the
    # subprocess does so over HTTP; `seed_release` directly, as helm would have).
    api: Any = None

    @property
    def log_path(self) -> Path:
        return self.root / "helm-calls.jsonl"

    @property
    def state_path(self) -> Path:
        return self.root / "helm-state.json"

    @property
    def executable(self) -> Path:
        return self.bin_dir / "helm"

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["FAKE_HELM_LOG"] = str(self.log_path)
        env["FAKE_HELM_STATE"] = str(self.state_path)
        env["FAKE_HELM_PYTHON"] = self.python
        return env

    def calls(self, command: str | None = None) -> list[HelmCall]:
        if not self.log_path.exists():
            return []
        calls = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            data = json.loads(line)
            calls.append(
                HelmCall(
                    argv=list(data["argv"]),
                    values_files=list(data.get("values_files") or []),
                    env=dict(data.get("env") or {}),
                    exit_code=int(data["exit_code"]),
                    stdout=str(data.get("stdout", "")),
                    stderr=str(data.get("stderr", "")),
                )
            )
        return [c for c in calls if command is None or c.command == command]

    def _state(self) -> dict[str, Any]:
        if not self.state_path.exists():
            return {"releases": {}, "faults": []}
        data: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
        return data

    def releases(self) -> list[dict[str, Any]]:
        """Every stored release (helm's `list -o json` fields plus `values`, `wait`, ...)."""
        return [dict(r) for _, r in sorted(self._state()["releases"].items())]

    def release(self, name: str, namespace: str) -> dict[str, Any] | None:
        rel = self._state()["releases"].get(f"{namespace}/{name}")
        return dict(rel) if rel is not None else None

    def seed_release(
        self,
        name: str,
        namespace: str,
        *,
        chart: str = "valkey-operator",
        version: str = helm_cli.DEFAULT_CHART_VERSION,
        values: Mapping[str, Any] | None = None,
        status: str = "deployed",
        revision: int = 1,
        history: list[dict[str, Any]] | None = None,
    ) -> None:
        """Pretend a release exists (e.g. `pending-upgrade` to test a stuck one).

        `history` lists earlier revisions (`revision`, `status`, optionally
        `values`, `version`), oldest first.
        """
        now = helm_cli._now()
        rel: dict[str, Any] = {
            "name": name,
            "namespace": namespace,
            "chart_ref": f"oci://ghcr.io/hyperspike/{chart}",
            "chart_name": chart,
            "version": version,
            "app_version": helm_cli._app_version(version),
            "values": dict(values or {}),
            "status": status,
            "revision": revision,
            "updated": helm_cli.helm_time(now),
            "first_deployed": helm_cli.rfc3339(now),
            "last_deployed": helm_cli.rfc3339(now),
            "description": "Install complete",
            "wait": False,
            "timeout": None,
            "history": [],
        }
        for entry in history or []:
            earlier = dict(rel, history=[], values=dict(entry.get("values") or {}))
            earlier.update(
                revision=int(entry["revision"]),
                status=str(entry["status"]),
                version=str(entry.get("version", version)),
                description=str(entry.get("description", "Install complete")),
            )
            rel["history"].append(helm_cli._history_entry(earlier))
        self._edit(lambda state: state["releases"].__setitem__(f"{namespace}/{name}", rel))
        if self.api is not None:
            for record in helm_cli.storage_records(rel):
                self.api.seed(helm_storage.release_secret(record), manager=None)

    def fail(
        self,
        command: str,
        *,
        message: str | None = None,
        exit_code: int = 1,
        times: int | None = 1,
        delay: float = 0.0,
        release_status: str | None = "failed",
    ) -> None:
        """Make the next `times` runs of `command` (`upgrade`, `list`, ..., `*`) fail.

        For `upgrade`/`install`, `release_status="failed"` records a failed
        revision like helm does when resources fail to become ready; `None`
        leaves the releases untouched (as when the cluster is unreachable);
        `"pending-install"`/`"pending-upgrade"` leaves the new revision pending, as
        when helm is killed half-way (either one: chosen by whether it installs).
        `delay` sleeps first (e.g. past the caller's subprocess timeout).
        """
        fault = {
            "command": command,
            "message": message,
            "exit_code": exit_code,
            "times": times,
            "delay": delay,
            "release_status": release_status,
        }
        self._edit(lambda state: state["faults"].append(fault))

    def _edit(self, change: Callable[[dict[str, Any]], None]) -> None:
        with helm_cli.locked_state(self.state_path) as state:
            change(state)
