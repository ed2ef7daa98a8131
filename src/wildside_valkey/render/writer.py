"""Writing a rendered tree so that a render never loses or leaks anything.

- **Nothing lost.** The marker file (:data:`MARKER`) is the render's own record:
  it lists every file the render wrote. A later render replaces ``OUT`` only
  if everything in it is in that record (or ``OUT`` is new or empty); anything
  else (a var file, a ``.git``, a nested folder) makes it refuse, listing what
  is in the way. A symbolic link given as ``--out`` is followed: the tree is
  written where it points and the link stays.
- **Nothing half-written.** The new tree is written into a staging folder beside
  the target and swapped in with one ``renameat2(RENAME_EXCHANGE)``, so ``OUT``
  exists at every instant holding the old or the new tree; the old tree is then
  removed from the staging name.
- **Nothing leaked.** SIGTERM and SIGHUP during a write are turned into an
  exception so the staging folder is removed on the way out; after a SIGKILL the
  next render into the same ``OUT`` removes what the killed one left.
- **One at a time.** Renders into one parent folder take an exclusive ``flock``
  on that folder, so two renders into the same ``OUT`` run one after the other
  (the second waits up to :data:`LOCK_WAIT_SECONDS`, then refuses); the lock
  leaves no file behind and is released by the kernel if the process dies.

Staging names are short and derived from a hash of ``OUT``'s name, so a
``--out`` name as long as the file system allows still works.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import stat
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ctypes

from ..errors import OutputDirectoryError, UnsafeOutputError
from .tree import RenderedTree

MARKER = ".wildside-valkey"
_MARKER_HEADER = (
    "# Written by `wildside-valkey render`: the files below are this render's own. The next\n"
    "# render replaces them, and refuses if this folder holds anything not listed here.\n"
)
LOCK_WAIT_SECONDS = 120.0
_SHOWN_IN_THE_WAY = 10
_RENAME_EXCHANGE = 2  # linux/fs.h


def write_tree(tree: RenderedTree, out: Path) -> None:
    """Write ``tree`` into the folder ``out`` (see the module docs for the guarantees)."""
    shown = str(out)
    try:
        target = Path(os.path.realpath(out))  # a symlinked --out: write where it points
        parent = target.parent
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputDirectoryError(f"cannot create {shown!r}: {error.strerror}") from error
    with _locked(parent, shown):
        _remove_leftovers(parent, target.name)
        _check_target(target, shown)
        with _cleanup_on_signals():
            staging = _new_folder(parent, _staging_prefix(target.name))
            try:
                _write_files(staging, {**tree, MARKER: _record(tree)})
                _swap_in(staging, target)
            except OSError as error:
                raise OutputDirectoryError(f"cannot write {shown!r}: {error.strerror}") from error
            finally:
                with _signals_held():
                    _remove_folder(staging)


def _record(tree: RenderedTree) -> str:
    return _MARKER_HEADER + "".join(f"{path}\n" for path in sorted(tree))


def _recorded(target: Path) -> set[str] | None:
    """The files the previous render recorded, or ``None`` if ``target`` holds no record."""
    try:
        text = (target / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith(_MARKER_HEADER):
        return None
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def _check_target(target: Path, shown: str) -> None:
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputDirectoryError(f"cannot use {shown!r}: {error.strerror}") from error
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeOutputError(f"{shown!r} exists and is not a folder")
    recorded = _recorded(target)
    allowed = set() if recorded is None else {*recorded, MARKER}
    folders = {str(folder) for path in allowed for folder in Path(path).parents}
    in_the_way = sorted(
        relative
        for relative, is_folder in _entries(target)
        if not (relative in folders if is_folder else relative in allowed)
    )
    if not in_the_way:
        return
    listed = ", ".join(in_the_way[:_SHOWN_IN_THE_WAY])
    more = len(in_the_way) - _SHOWN_IN_THE_WAY
    if more > 0:
        listed += f" and {more} more"
    if recorded is not None:
        reason = "render replaces its --out folder whole and would delete them"
    elif (target / MARKER).is_file():
        reason = (
            "it was written by an earlier wildside-valkey that kept no record of its files, "
            "so render cannot tell them from yours"
        )
    else:
        reason = (
            f"it was not written by wildside-valkey (no {MARKER} record), and render "
            "replaces its --out folder whole"
        )
    raise UnsafeOutputError(
        f"{shown!r} holds files the previous render did not write ({listed}): {reason}; "
        "move them out, or choose a new or empty folder"
    )


def _entries(root: Path) -> Iterator[tuple[str, bool]]:
    """Every entry under ``root`` as (relative path, is a real folder); links not followed."""
    pending = [root]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as scan:
            for entry in scan:
                relative = os.path.relpath(entry.path, root)
                is_folder = entry.is_dir(follow_symlinks=False)
                yield relative, is_folder
                if is_folder:
                    pending.append(Path(entry.path))


def _write_files(root: Path, files: RenderedTree) -> None:
    # A batch is thousands of small files: make each folder once, write bytes directly.
    made: set[Path] = {root}
    for relative, content in files.items():
        path = root / relative
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            data = content.encode("utf-8")
            while data:
                data = data[os.write(descriptor, data) :]
        finally:
            os.close(descriptor)


def _staging_prefix(name: str) -> str:
    # Short whatever the length of OUT's name (NAME_MAX is 255 bytes), and the same for
    # every run into one OUT, so the next run recognises what a killed one left.
    # CRC-32 rather than a cryptographic hash: nothing here is adversarial, and hashlib
    # (OpenSSL) would add ~10 ms to every cold render.
    digest = f"{zlib.crc32(os.fsencode(name)):08x}{len(os.fsencode(name)):x}"
    return f".wildside-valkey-staging-{digest}"


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder beside the target (same file system, so renames work)."""
    for attempt in range(100):
        folder = parent / f"{prefix}-{os.getpid()}-{attempt}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise OutputDirectoryError(f"no free staging folder name in {str(parent)!r}")


def _remove_leftovers(parent: Path, name: str) -> None:
    """Staging folders of an interrupted render into the same OUT (we hold the lock)."""
    prefix = _staging_prefix(name) + "-"
    # The names earlier versions of this writer used, left by runs killed mid-write.
    legacy = (f".{name}.new-", f".{name}.old-")
    with os.scandir(parent) as scan:
        leftovers = [
            entry.path
            for entry in scan
            if entry.name.startswith((prefix, *legacy)) and entry.is_dir(follow_symlinks=False)
        ]
    for path in leftovers:
        _remove_folder(path)


def _remove_folder(path: str | Path) -> None:
    """Remove a folder and everything in it, if it is there (nothing said if not)."""
    if not os.path.lexists(path):
        return  # the first render into OUT renames its staging folder away: no rmtree
    import shutil  # noqa: PLC0415 - shutil (with bz2, lzma) costs a cold render ~1 ms

    shutil.rmtree(path, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        return  # the old tree is now at the staging name, which the caller removes
    # No atomic exchange here (not Linux, or a file system without it): two renames, with
    # an instant between them where OUT does not exist.
    backup = _new_folder(target.parent, _staging_prefix(target.name))
    os.rmdir(backup)
    os.rename(target, backup)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(backup, target)
        raise
    os.rename(backup, staging)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with ``renameat2``; False where that is unavailable."""
    function = getattr(_libc(), "renameat2", None)
    if function is None:
        return False
    at_fdcwd = -100
    result = function(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = _errno()
    if code in {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP}:
        return False
    raise OSError(code, os.strerror(code))


def _errno() -> int:
    import ctypes  # noqa: PLC0415

    return ctypes.get_errno()


def _libc() -> ctypes.CDLL | None:
    import ctypes  # noqa: PLC0415 - only when an existing tree is swapped

    # The process's own symbols, which include the C library's: find_library("c") would
    # spawn ldconfig (or gcc) on every render just to learn a name the loader already has.
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


@contextlib.contextmanager
def _locked(parent: Path, shown: str) -> Iterator[None]:
    """An exclusive lock on the parent folder itself: no lock file to leave behind."""
    try:
        descriptor = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as error:
        raise OutputDirectoryError(f"cannot use {shown!r}: {error.strerror}") from error
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OutputDirectoryError(
                        f"another render into {shown!r} (or beside it) is still running after "
                        f"{LOCK_WAIT_SECONDS:g} s; try again when it has finished"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(descriptor)


_HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM/SIGHUP while cleaning up, so a signal cannot cut the cleanup short;
    one that arrived meanwhile is delivered (and unwinds) right after."""
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED_SIGNALS)
    except (AttributeError, ValueError):  # no pthread_sigmask on this platform
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED_SIGNALS)


class _Interrupted(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _cleanup_on_signals() -> Iterator[None]:
    """SIGTERM/SIGHUP while writing: unwind (removing the staging folder), then die of it."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise _Interrupted(signum)

    try:
        previous = {signum: signal.signal(signum, interrupt) for signum in _HANDLED_SIGNALS}
    except ValueError:  # not the main thread: signals cannot be caught here
        yield
        return
    try:
        yield
    except _Interrupted as interrupted:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        # Die of the same signal, as the caller (a CI runner, a shell) expects.
        signal.signal(interrupted.signum, signal.SIG_DFL)
        os.kill(os.getpid(), interrupted.signum)
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
