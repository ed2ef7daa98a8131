"""How apply and destroy tell what they are doing: plain lines, or a live display.

The operations call ``info`` (a line that stays) and ``waiting`` (the current
wait, replaced by the next one). Off a terminal each becomes one plain line
(repeated waits are said once); on a terminal rich shows a spinner. rich is
imported only when that display is created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TextIO


class Progress(Protocol):
    def info(self, message: str) -> None: ...

    def waiting(self, message: str) -> None: ...

    def close(self) -> None: ...


class NullProgress:
    """Says nothing (library use)."""

    def info(self, message: str) -> None:
        return

    def waiting(self, message: str) -> None:
        return

    def close(self) -> None:
        return


class PlainProgress:
    """One line per event, for logs and pipes; a wait is said when it changes."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._last_wait = ""

    def info(self, message: str) -> None:
        self._last_wait = ""
        self._write(message)

    def waiting(self, message: str) -> None:
        if message != self._last_wait:
            self._last_wait = message
            self._write(message)

    def close(self) -> None:
        return


class RichProgress:
    """A spinner with the current wait; finished steps print above it."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console  # noqa: PLC0415 - only on a terminal
        from rich.text import Text  # noqa: PLC0415

        self._console = Console(file=stream, highlight=False)
        self._text = Text  # plain text: paths like `a[0]` are not rich markup
        self._status: Any = None

    def info(self, message: str) -> None:
        self._stop()
        self._console.print(message, markup=False)

    def waiting(self, message: str) -> None:
        text = self._text(message)
        if self._status is None:
            self._status = self._console.status(text)
            self._status.start()
        else:
            self._status.update(text)

    def close(self) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
