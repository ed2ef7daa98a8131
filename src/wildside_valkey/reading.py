"""Reading a user's file without blocking and within a size bound.

Every file the tool reads because a user named it (var files, ``--each`` files,
policy inputs) comes through :func:`read_text`. It opens with ``O_NONBLOCK`` and
checks ``fstat`` before reading a byte, so a FIFO, a device or a folder is
refused at once instead of blocking forever or streaming without end, and a file
larger than the bound is refused by its size instead of being parsed into
gigabytes. Standard input (``-``) goes through :func:`read_stream_text`, the
same bound applied while reading.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from .errors import BadInputError

# The largest input file accepted. A 1,000-environment --each file is about 60 kB,
# a var file a few kB and a rendered manifest file under 20 kB: 4 MiB leaves two
# orders of magnitude and keeps the parsers' memory (HCL's is ~100x the text) sane.
MAX_INPUT_BYTES = 4 * 1024 * 1024

_CHUNK = 1024 * 1024


class InputFileError(BadInputError):
    """A file named by the user cannot be read as text within the bounds (exit 2)."""


def _size(size: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.4g} {unit}"
    return f"{size} bytes"


def read_text(path: Path, *, what: str, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of the regular file ``path``; ``what`` names it in errors ("var file")."""
    shown = f"{what} {str(path)!r}"
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InputFileError(
                f"cannot read {shown}: its symbolic links go round in a loop ({symlink_loop(path)})"
            ) from None
        raise InputFileError(f"cannot read {shown}: {error.strerror}") from error
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise InputFileError(f"cannot read {shown}: it is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(
                f"cannot read {shown}: it is not a regular file (a pipe, device or socket "
                "would block or never end); save the content to a file first"
            )
        if info.st_size > limit:
            raise _too_large(shown, limit, info.st_size)
        data = _read_bounded(descriptor, limit, shown)
    except OSError as error:
        raise InputFileError(f"cannot read {shown}: {error.strerror}") from error
    finally:
        os.close(descriptor)
    return _decode(data, shown)


def symlink_loop(path: Path) -> str:
    """The chain of links from ``path`` as far as the first one seen twice, for a message:
    ``a.yaml -> b.yaml -> a.yaml``. Only the links' own names and targets are read."""
    chain = [str(path)]
    seen: set[str] = set()
    current = os.path.abspath(path)
    while os.path.islink(current) and current not in seen and len(chain) <= 40:
        seen.add(current)
        target = os.readlink(current)
        chain.append(target)
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
    return " -> ".join(chain)


def read_stream_text(stream: BinaryIO, *, what: str, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of a stream such as standard input, refused past ``limit`` bytes."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_large(what, limit, None)
    return _decode(b"".join(chunks), what)


def _read_bounded(descriptor: int, limit: int, shown: str) -> bytes:
    # The file may grow between fstat and read: never read more than limit + 1 bytes.
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(descriptor, min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_large(shown, limit, None)


def _too_large(shown: str, limit: int, size: int | None) -> InputFileError:
    actual = f" ({_size(size)})" if size is not None else ""
    return InputFileError(f"{shown} is larger than the {_size(limit)} limit{actual}")


def _decode(data: bytes, shown: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputFileError(f"{shown} is not UTF-8 text (invalid byte at line {line})") from None
    return text
