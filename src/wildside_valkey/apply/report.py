"""Plans and destroy results as text or JSON (pure). Secret values are always masked.

Text follows the shape of ``tofu plan``: ``+`` create, ``~`` change, ``-``
delete, with one line per field (``spec.nodes: 1 -> 3``), and "No changes."
when the cluster already matches.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from .changes import Action, Change, ChangeSet
from .destroy import DestroyResult
from .fields import ABSENT, FieldDiff

Output = Literal["text", "json"]

_MARKS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.LEFT_ALONE: "="}


def plan_document(changes: ChangeSet, cluster: str) -> dict[str, Any]:
    return {
        "cluster": cluster,
        "no_changes": changes.is_empty,
        "operator": changes.helm.to_dict(),
        "warnings": list(changes.warnings),
        "changes": [change.to_dict() for change in changes.changes],
        "summary": changes.summary(),
    }


def format_plan(changes: ChangeSet, cluster: str, output: Output = "text") -> str:
    if output == "json":
        return json.dumps(plan_document(changes, cluster), indent=2, ensure_ascii=False) + "\n"
    lines = [f"Cluster: {cluster}", _sentence(changes.helm.describe())]
    shown = [c for c in changes.changes if c.action is not Action.UNCHANGED]
    if shown:
        lines.append("")
    for change in shown:
        lines.extend(_change_lines(change))
    lines.append("")
    if changes.is_empty:
        unchanged = changes.count(Action.UNCHANGED)
        lines.append(f"No changes. {unchanged} object(s) and the operator release are up to date.")
    else:
        lines.append(
            f"Plan: {changes.count(Action.CREATE)} to create, "
            f"{changes.count(Action.UPDATE)} to change, {changes.count(Action.DELETE)} to delete; "
            f"operator release: {changes.helm.verb.value}."
        )
    return "\n".join(lines) + "\n"


def _change_lines(change: Change) -> list[str]:
    mark = _MARKS[change.action]
    if change.action is Action.LEFT_ALONE:
        return [f"  {mark} {change.ref}: left alone ({change.note})"]
    lines = [f"  {mark} {change.action.value} {change.ref}"]
    if change.action is not Action.DELETE:
        lines.extend(f"      {_field_line(diff)}" for diff in change.fields)
    return lines


def _field_line(diff: FieldDiff) -> str:
    if diff.before is ABSENT:
        return f"+ {diff.dotted} = {diff.shown(diff.after)}"
    if diff.after is ABSENT:
        return f"- {diff.dotted} = {diff.shown(diff.before)}"
    return f"~ {diff.dotted}: {diff.shown(diff.before)} -> {diff.shown(diff.after)}"


def format_destroy(result: DestroyResult, cluster: str, output: Output = "text") -> str:
    if output == "json":
        document = {"cluster": cluster, **result.to_dict()}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    lines = [f"Cluster: {cluster}"]
    lines += [f"  - deleted {ref}" for ref in result.deleted]
    lines += [f"  = kept {ref}: {reason}" for ref, reason in result.kept]
    if not result.deleted:
        lines.append("  nothing of this instance was found")
    lines.append(_sentence(result.operator.message))
    return "\n".join(lines) + "\n"


def format_destroy_preview(result: DestroyResult, cluster: str, output: Output = "text") -> str:
    """``plan --destroy``: what destroy would delete and keep, nothing done yet."""
    if output == "json":
        # destroy --output json's shape, with what is still to happen named so.
        done = result.to_dict()
        document = {"cluster": cluster, "destroy": True, "delete": done.pop("deleted"), **done}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    lines = [f"Cluster: {cluster}"]
    lines += [f"  - delete {ref}" for ref in result.deleted]
    lines += [f"  = keep {ref}: {reason}" for ref, reason in result.kept]
    if not result.deleted and not result.kept:
        lines.append("  nothing of this instance was found")
    lines.append(_sentence(result.operator.message))
    return "\n".join(lines) + "\n"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
