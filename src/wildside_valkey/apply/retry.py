"""Bounded exponential backoff for transient failures, and the pace of polling.

The loop knows nothing about HTTP: a classifier (``client.py``) says whether an
error is transient and how long the server asked us to wait (``Retry-After``).
Every request apply mode sends is idempotent (server-side apply, GET, DELETE
treating 404 as done), so retrying after a timeout cannot apply anything twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Transient:
    """Why an attempt may succeed when repeated, and the server's requested delay."""

    reason: str
    retry_after: float | None = None
    # The server said nothing for a whole request timeout: such a failure is retried
    # at most ``RetryPolicy.silent_attempts`` times in all, so a server that accepts
    # connections and never answers costs two request timeouts, not six.
    silent: bool = False


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` tries in all; waits grow by ``factor`` from ``base_delay``, capped."""

    attempts: int = 6
    silent_attempts: int = 2
    base_delay: float = 0.25
    factor: float = 2.0
    max_delay: float = 8.0
    # The one seam for time: tests pass a recorder to see the waits without sleeping.
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a retry policy needs at least one attempt")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based).

        A server's ``Retry-After`` wins over a shorter backoff; ``max_delay``
        bounds both, so one answer cannot stall a run indefinitely.
        """
        backoff = self.base_delay * self.factor ** (attempt - 1)
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_delay)


RetryHook = Callable[[int, Transient, float], None]


def call_with_retry(
    function: Callable[[], T],
    policy: RetryPolicy,
    classify: Callable[[Exception], Transient | None],
    on_retry: RetryHook | None = None,
) -> T:
    """Run ``function``; repeat it on transient errors until the policy runs out.

    The last error propagates unchanged, so the caller can say what failed.
    """
    attempt = 1
    silent = 0
    while True:
        try:
            return function()
        except Exception as error:
            transient = classify(error)
            if transient is None or attempt >= policy.attempts:
                raise
            silent += transient.silent
            if silent >= policy.silent_attempts:
                raise
            wait = policy.delay(attempt, transient.retry_after)
            if on_retry is not None:
                on_retry(attempt, transient, wait)
            policy.sleep(wait)
            attempt += 1


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often to look again while waiting: quickly at first, then less often."""

    first: float = 0.1
    factor: float = 2.0
    max_interval: float = 2.0

    def intervals(self) -> Iterator[float]:
        interval = self.first
        while True:
            yield interval
            interval = min(interval * self.factor, self.max_interval)
