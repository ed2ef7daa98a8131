"""Render a policy report as text for people or JSON for scripts."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Literal

from wildside_valkey.errors import BadInputError

from .model import Report

OutputFormat = Literal["text", "json"]


def format_report(report: Report, output: OutputFormat | str = "text") -> str:
    """The report as ``text`` (one line per finding, then a summary) or ``json``."""
    if output == "text":
        return _text(report)
    if output == "json":
        return _json(report)
    raise BadInputError(f'unknown output format "{output}": use "text" or "json"')


def summary(report: Report) -> str:
    """One line: how many files were checked and what was found."""
    files = len(report.files)
    denials = len(report.denials)
    warnings = len(report.warnings)
    checked = f"{files} file{'' if files == 1 else 's'} checked"
    if not report.findings:
        return f"{checked}: no findings"
    return (
        f"{checked}: {denials} denial{'' if denials == 1 else 's'}, "
        f"{warnings} warning{'' if warnings == 1 else 's'}"
    )


def _text(report: Report) -> str:
    lines = [f"{f.severity.value.upper()} [{f.rule}] {f.message}" for f in report.findings]
    lines.append(summary(report))
    return "\n".join(lines)


def _json(report: Report) -> str:
    document = {
        "files": list(report.files),
        "summary": {"denials": len(report.denials), "warnings": len(report.warnings)},
        "findings": [asdict(f) for f in report.findings],
    }
    return json.dumps(document, indent=2)
