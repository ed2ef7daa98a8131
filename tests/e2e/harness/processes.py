"""Start the cluster's programs in the background and stop exactly those.

Each program runs in a session of its own (so `make cluster` can return while
they go on) with its output in `.e2e/logs/NAME.log`. What was started is
recorded by pid *and* the kernel's start time of that pid, so `down` never
signals a process that merely reuses a recorded pid.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class HarnessError(RuntimeError):
    """The end-to-end cluster could not be built, started or reached."""


@dataclass(frozen=True)
class Started:
    name: str
    pid: int
    start_time: int  # /proc/PID/stat field 22: clock ticks after boot
    log: str

    def alive(self) -> bool:
        return _start_time(self.pid) == self.start_time


def _start_time(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # a zombie has exited: nothing left to stop
        return None
    return int(fields[19])


def free_port() -> int:
    """A loopback port nothing listens on now (the small race is the one envtest accepts too)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    name: str,
    argv: Sequence[str],
    *,
    logs: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Started:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )
    started_at = None
    for _ in range(100):
        started_at = _start_time(process.pid)
        if started_at is not None:
            break
        time.sleep(0.01)
    if started_at is None:
        raise HarnessError(f"{name} exited at once; its output is in {log}:\n{tail(log)}")
    return Started(name, process.pid, started_at, str(log))


def stop(processes: Sequence[Started], *, grace: float = 10.0) -> list[str]:
    """Stop each in reverse start order, clients before the servers they talk to: SIGTERM,
    then SIGKILL if it is still there after `grace` seconds. Returns the names killed."""
    killed = []
    for process in reversed(processes):
        if not process.alive():
            continue
        _signal(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while process.alive() and time.monotonic() < deadline:
            _reap()
            time.sleep(0.05)
        if process.alive():
            _signal(process, signal.SIGKILL)
            killed.append(process.name)
    _reap()
    return killed


def _signal(process: Started, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, sig)


def _reap() -> None:
    # Children of this very process (when the tests started the cluster) become zombies.
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"
