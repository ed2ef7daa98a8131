"""Keeping the inline password out of parser messages, whatever the format.

A parser's error may quote the text it choked on (a YAML tag, an HCL token, a
JSON fragment); if that text is on a line that sets ``password_inline`` it is
(part of) the password. :func:`scrub` takes the parser's own words and the
source text, and removes from the words every run of four or more characters
that also occurs on such a line, and every whole word that is also a word
there. It is applied to every parser message before it is shown, so no format
and no error kind can leak the password.
"""

from __future__ import annotations

import re

SECRET_VARIABLE = "password_inline"
HIDDEN = "(not shown)"
_MIN_RUN = 4
_WORD = re.compile(r"\w+")
# A line that sets some other attribute or key ends the password's lines (a heredoc
# or a block scalar may carry the value over several lines before it).
_NEXT_SETTING = re.compile(r'^\s*["\']?[A-Za-z_][A-Za-z0-9_-]*["\']?\s*[=:]')


def secret_lines(source: str) -> str:
    """The text of the lines that set the inline password (with their continuations)."""
    if SECRET_VARIABLE not in source:
        return ""
    kept: list[str] = []
    inside = False
    for line in source.splitlines():
        if SECRET_VARIABLE in line:
            inside = True
        elif inside and _NEXT_SETTING.match(line):
            inside = False
        if inside:
            # The variable's own name is no secret, and scrubbing it would garble words
            # such as "line" in the parser's message.
            kept.append(line.replace(SECRET_VARIABLE, "\0"))
    return "\n".join(kept)


def scrub(message: str, source: str) -> str:
    """``message`` without any run of characters taken from a password line of ``source``."""
    return scrub_lines(message, secret_lines(source))


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")


def scrub_lines(message: str, secret: str, *, runs_in_quotes_only: bool = False) -> str:
    """``message`` without text from ``secret``, lines taken by :func:`secret_lines`.

    ``runs_in_quotes_only`` is for messages in this tool's own words, which quote what
    they show of a value: shared runs of characters are then hidden inside quotes only
    (whole shared words everywhere), so the tool's words stay legible.
    """
    if not secret:
        return message
    if runs_in_quotes_only:
        outside = _QUOTED.split(message)
        quoted = [scrub_lines(m[0], secret) for m in _QUOTED.finditer(message)]
        words = {word for word in _WORD.findall(secret) if len(word) > 1}
        parts = [_WORD.sub(lambda m: HIDDEN if m[0] in words else m[0], part) for part in outside]
        merged = [parts[0]]
        for text, rest in zip(quoted, parts[1:], strict=True):
            merged.extend((text, rest))
        return "".join(merged)
    words = {word for word in _WORD.findall(secret) if len(word) > 1}
    # Whole words of the password line first, then any longer run shared with it.
    masked = _WORD.sub(lambda m: "\0" * len(m[0]) if m[0] in words else m[0], message)
    hidden = [char == "\0" for char in masked]
    for start in range(len(message)):
        end = start + _MIN_RUN
        while end <= len(message) and message[start:end] in secret:
            end += 1
        if end - 1 - start >= _MIN_RUN:
            hidden[start : end - 1] = [True] * (end - 1 - start)
    pieces: list[str] = []
    for char, secret_char in zip(message, hidden, strict=True):
        if not secret_char:
            pieces.append(char)
        elif not pieces or pieces[-1] != HIDDEN:
            pieces.append(HIDDEN)
    return "".join(pieces)
