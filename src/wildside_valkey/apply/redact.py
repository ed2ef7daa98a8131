"""A last line of defence: known secret values never reach output, logs or errors.

Plans mask Secret data by construction; this catches anything else (a server or
helm message quoting a value) by replacing the password, and its base64 form as
stored in a Secret, wherever it appears.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from ..plan import Plan

MASK = "(sensitive value)"


class Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    @classmethod
    def for_plan(cls, plan: Plan) -> Redactor:
        password = plan.variables.password
        if not password:
            return cls(())
        encoded = base64.b64encode(password.encode("utf-8")).decode("ascii")
        return cls((password, encoded))

    @classmethod
    def for_plans(cls, plans: Iterable[Plan]) -> Redactor:
        """Every plan's secrets at once (a batch's output mixes its previews')."""
        return cls(secret for plan in plans for secret in cls.for_plan(plan)._secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text
