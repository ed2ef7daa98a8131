"""Keeping the inline password out of what a third-party parser says.

The policy (also in docs/limits.md, "Secrets in messages"):

- The tool's own messages never interpolate the password: they name the
  variable and where its value came from, never the value. Nothing in them is
  redacted, so they read the same whatever the password is: a password ``the``
  or ``variable`` leaves "1 problem with the variables" as it is.
- A third-party parser (libyaml/PyYAML, json, python-hcl2) may quote the text it
  choked on, and that text may be the password, written on the line of a var
  file that sets ``password_inline``. Its words go through :func:`scrub` with
  the source text: a quoted span taken from such a line's value (or holding it)
  is replaced whole by ``(not shown)``, unless it is only punctuation (a syntax
  token the parser names, as in "expected ':'"); so is the value itself wherever it
  occurs, once it is :data:`DISTINCTIVE` characters or longer. A shorter value
  is hidden where quoted only: parsers quote what they echo, and hiding every
  ``e`` of a one-letter password would garble the parser's own words. Words
  from anywhere else are never hidden.
- Apply mode's foreign words (an API server's message, helm's stderr) go through
  :func:`hide_secrets` where they enter a message, with the values to keep out
  known (the password and its base64 form): the same rule, the value's own text
  standing for the line it was read from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

SECRET_VARIABLE = "password_inline"
HIDDEN = "(not shown)"
DISTINCTIVE = 4

# Patterns are kept as text and compiled on first use (re's own cache): most runs parse
# no var file, and a cold start should not pay for them.
# The variable set on a line: its name, as a key or attribute (quoted or not), then
# the separator or the end of the line (a YAML block scalar, a JSON value on the next
# line). The name in prose or a comment ("# password_inline is ...") sets nothing.
_SETTING = rf"""(?<![\w-]){SECRET_VARIABLE}["']?\s*(?:[=:]|$)"""
# A line that sets some other attribute or key ends the password's lines (a heredoc
# or a block scalar may carry the value over several lines before it).
_NEXT_SETTING = r'^\s*(?:-\s+)?["\']?[A-Za-z_][A-Za-z0-9_-]*["\']?\s*[=:]'
_QUOTED = r"'[^']*'|\"[^\"]*\"|`[^`]*`"
# What a parser names as syntax when it quotes it: punctuation only, no letter or digit.
_SYNTAX = r"[^\w]*"


class _PasswordSpans:
    """Where ``password_inline`` is set in a source text: for each setting, its lines (the
    line that names it, then those its value continues on) and its value, bare of quotes."""

    def __init__(self, source: str) -> None:
        self.settings: list[tuple[str, str]] = []
        if SECRET_VARIABLE not in source:
            return
        found: list[tuple[list[str], list[str]]] = []
        inside = False
        for line in source.splitlines():
            setting = re.search(_SETTING, line)
            if setting:
                found.append(([line], [line[setting.end() :]]))
                inside = True
            elif re.match(_NEXT_SETTING, line):
                inside = False
            elif inside:
                found[-1][0].append(line)
                found[-1][1].append(line)
        for lines, value in found:
            bare = _bare(value)
            if bare:
                self.settings.append(("\n".join(lines), bare))

    @classmethod
    def of_values(cls, values: Iterable[str]) -> _PasswordSpans:
        """Known values, read from no source: each is only its own text."""
        spans = cls("")
        spans.settings = [("", value) for value in values if value]
        return spans

    @property
    def values(self) -> list[str]:
        return [value for _, value in self.settings]

    def quotes_the_password(self, content: str) -> bool:
        """Whether a parser's quoted ``content`` shows (part of) the password."""
        if re.fullmatch(_SYNTAX, content):
            return False
        for line, value in self.settings:
            if content in value:
                return True
            # A span holding the value: hidden when the value is distinctive, or the span
            # is taken from its own line; a one-letter password does not hide every quoted
            # word that holds that letter.
            if value in content and (len(value) >= DISTINCTIVE or content in line):
                return True
        return False


# The value on the line that names the variable: a quoted string (closed or not), or the
# text before a comment; a block scalar or heredoc indicator means the lines after it.
_FIRST_LINE_VALUE = r"""\s*(?:"((?:[^"\\]|\\.)*)"?|'([^']*)'?|(.*?))\s*(?:\s(?:#|//).*)?[,;]?\s*"""
_BLOCK_INDICATOR = r"\s*(?:[|>][-+0-9]*|<<-?\s*\w+)\s*"


def _bare(value_lines: list[str]) -> str:
    first, *more = value_lines
    if more and (not first.strip() or re.fullmatch(_BLOCK_INDICATOR, first)):
        return "\n".join(line.strip() for line in more).strip()
    match = re.fullmatch(_FIRST_LINE_VALUE, first)
    quoted = match and next((group for group in match.groups() if group is not None), None)
    return (quoted or first).strip()


def holds_a_password_setting(value: Any) -> bool:
    """Whether a value read for another variable holds the text of a line that sets the
    password: a quote left open above that line made the parser read the line into this
    value, and a message about the value would show it."""
    if isinstance(value, str):
        return re.search(_SETTING, value) is not None
    if isinstance(value, dict):
        return any(holds_a_password_setting(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_a_password_setting(item) for item in value)
    return False


def scrub(parser_words: str, source: str) -> str:
    """``parser_words`` without the password taken from ``source`` (see the module docs)."""
    return _hidden(parser_words, _PasswordSpans(source))


def hide_secrets(foreign_words: str, secrets: Iterable[str]) -> str:
    """``foreign_words`` (a server's, helm's) without the known ``secrets`` values, by the
    rule of :func:`scrub`: a value of :data:`DISTINCTIVE` characters or more wherever it
    occurs, a shorter one where quoted only."""
    return _hidden(foreign_words, _PasswordSpans.of_values(secrets))


def _hidden(words: str, spans: _PasswordSpans) -> str:
    if not spans.values:
        return words
    pieces = re.split(_QUOTED, words)
    quoted = [
        HIDDEN if spans.quotes_the_password(match[0][1:-1]) else match[0]
        for match in re.finditer(_QUOTED, words)
    ]
    for value in sorted((v for v in spans.values if len(v) >= DISTINCTIVE), key=len, reverse=True):
        pieces = [piece.replace(value, HIDDEN) for piece in pieces]
    merged = [pieces[0]]
    for span, rest in zip(quoted, pieces[1:], strict=True):
        merged.extend((span, rest))
    return "".join(merged)
