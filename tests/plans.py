"""Plans for apply-mode tests, from variables."""

from __future__ import annotations

from typing import Any

from wildside_valkey.plan import Plan, build_plan
from wildside_valkey.variables import variables_from_mapping


def apply_plan_for(**variables: Any) -> Plan:
    """A plan for these variables, in apply mode."""
    return build_plan(variables_from_mapping({"mode": "apply", **variables}))
