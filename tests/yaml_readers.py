"""The three ways the YAML this project writes is read, for the tests to compare.

- :func:`read_pyyaml`: PyYAML's SafeLoader (YAML 1.1 as PyYAML reads it).
- :func:`read_go_yaml_v2`: go-yaml v2, which kubectl, client-go and Flux's
  controllers read manifests with (through sigs.k8s.io/yaml), and helm reads
  values with. The document is composed by PyYAML (the syntax is the same); each
  plain scalar is then resolved by :func:`go_resolve`, written from go-yaml's
  ``resolve.go`` at gopkg.in/yaml.v2 v2.4.0 (the head of its v2 branch, commit
  7649d4548cb53a614db133b2a8ac1f31859dda8c): the resolve table and map (lines
  20-57), ``yamlStyleFloat`` (line 84), ``resolve`` (lines 86-197) and
  ``parseTimestamp`` with its formats (lines 224-258). A quoted or block scalar
  is a string there (decode.go: a non-plain scalar without a tag is ``!!str``).
- :func:`read_yaml_1_2`: ruamel.yaml's safe loader, a real YAML 1.2 reader.

Only what our writer produces needs reading: no explicit tags, no anchors.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML

# go-yaml v2.4.0 resolve.go lines 20-30: the first character decides what to try.
_SIGN, _DIGIT, _MAP, _DOT = "S", "D", "M", "."
_HINTS = {"+": _SIGN, "-": _SIGN, **dict.fromkeys("0123456789", _DIGIT)}
_HINTS |= dict.fromkeys("yYnNtTfFoO~", _MAP) | {".": _DOT}

# resolve.go lines 32-49: the resolve map.
_RESOLVE_MAP: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES"), True),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO"), False),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
# "<<" is in the map too (line 48), but '<' has no hint (line 30), so it is never looked up.

# resolve.go line 84.
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")

_INT64 = 1 << 63
_UINT64 = 1 << 64


@dataclass(frozen=True)
class Timestamp:
    """A plain scalar go-yaml v2 reads as a time.Time (never equal to a string)."""

    text: str


def go_resolve(text: str) -> Any:
    """What go-yaml v2 makes of ``text`` written as an untagged plain scalar
    (resolve.go ``resolve("", in)``, lines 86-197): a Python value of the Go type."""
    hint = _HINTS.get(text[0], "") if text else "N"  # line 114-117: "" is looked up
    if not hint:
        return text
    if text in _RESOLVE_MAP:
        return _RESOLVE_MAP[text]
    if hint == _DOT:
        number = _go_parse_float(text)
        return text if number is None else number
    if hint in (_SIGN, _DIGIT):
        return _resolve_number_or_time(text)
    return text  # hint "M": only the map (line 129)


def _resolve_number_or_time(text: str) -> Any:
    """resolve.go lines 139-191."""
    if _go_parse_timestamp(text):
        return Timestamp(text)
    plain = text.replace("_", "")
    for parsed in (_go_parse_int(plain), _go_parse_uint(plain)):
        if parsed is not None:
            return parsed
    if _YAML_STYLE_FLOAT.match(plain):
        number = _go_parse_float(plain)
        if number is not None:
            return number
    if plain.startswith("0b"):
        for parsed in (_go_parse_int(plain[2:], 2), _go_parse_uint(plain[2:], 2)):
            if parsed is not None:
                return parsed
    elif plain.startswith("-0b"):
        parsed = _go_parse_int("-" + plain[3:], 2)
        if parsed is not None:
            return parsed
    return text


def _underscore_ok(text: str) -> bool:
    """Go strconv's underscoreOK: '_' only between digits or after a base prefix."""
    saw = "^"
    index = 0
    if text[:1] in ("+", "-"):
        text = text[1:]
    hexadecimal = False
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in "box":
        index, saw, hexadecimal = 2, "0", text[1].lower() == "x"
    for char in text[index:]:
        if "0" <= char <= "9" or (hexadecimal and char.lower() in "abcdef"):
            saw = "0"
            continue
        if char == "_":
            if saw != "0":
                return False
            saw = "_"
            continue
        if saw == "_":
            return False
        saw = "!"
    return saw != "_"


def _go_parse_uint(text: str, base: int = 0) -> int | None:
    """Go strconv.ParseUint(text, base, 64), or None where it returns an error."""
    if not text:
        return None
    original, base_prefixed = text, base == 0
    if base == 0:
        base = 10
        if text[0] == "0":
            prefix = text[1].lower() if len(text) >= 3 else ""
            base, text = {"b": (2, text[2:]), "o": (8, text[2:]), "x": (16, text[2:])}.get(
                prefix, (8, text[1:])
            )
    value, underscores = 0, False
    for char in text:
        if char == "_" and base_prefixed:
            underscores = True
            continue
        digit = int(char, 36) if char.isascii() and char.isalnum() else 99
        if digit >= base:
            return None
        value = value * base + digit
    if underscores and not _underscore_ok(original):
        return None
    return value if value < _UINT64 else None


def _go_parse_int(text: str, base: int = 0) -> int | None:
    """Go strconv.ParseInt(text, base, 64), or None where it returns an error."""
    if not text:
        return None
    negative = text[0] == "-"
    digits = text[1:] if text[0] in "+-" else text
    magnitude = _go_parse_uint(digits, base)
    if magnitude is None:
        return None
    if magnitude >= _INT64 + (1 if negative else 0):
        return None
    return -magnitude if negative else magnitude


_GO_DECIMAL = re.compile(r"[-+]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][-+]?[0-9][0-9_]*)?")


def _go_parse_float(text: str) -> float | None:
    """Go strconv.ParseFloat(text, 64) for the decimal texts resolve gives it (it is
    only called on a text starting with '.' or matching yamlStyleFloat, so no hex
    floats, and "inf"/"nan" cannot start that way); None on an error, out of range
    included (Go returns ErrRange there)."""
    mantissa = re.split("[eE]", text)[0]
    if not _GO_DECIMAL.fullmatch(text) or not any(c.isdigit() for c in mantissa):
        return None
    if "_" in text and not _underscore_ok(text):
        return None
    number = float(text.replace("_", ""))
    return None if math.isinf(number) else number


# resolve.go lines 226-233 as Go's time.Parse reads them: "2006" is four digits, "1",
# "2", "15", "4" and "5" one or two, ".999999999" an optional fraction (',' or '.'),
# "Z07:00" either Z or a +hh:mm offset; the whole text must be used.
_GO_LAYOUTS = (
    re.compile(
        r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})T(?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2})"
        r":(?P<S>[0-9]{1,2})(?:[.,][0-9]+)?(?:Z|[-+](?P<zh>[0-9]{2}):(?P<zm>[0-9]{2}))"
    ),
    re.compile(
        r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})t(?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2})"
        r":(?P<S>[0-9]{1,2})(?:[.,][0-9]+)?(?:Z|[-+](?P<zh>[0-9]{2}):(?P<zm>[0-9]{2}))"
    ),
    re.compile(
        r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2}) (?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2})"
        r":(?P<S>[0-9]{1,2})(?:[.,][0-9]+)?"
    ),
    re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"),
)


def _go_parse_timestamp(text: str) -> bool:
    """resolve.go ``parseTimestamp``: the quick YYYY- check, then each layout."""
    if not re.match(r"[0-9]{4}-", text):
        return False
    for layout in _GO_LAYOUTS:
        match = layout.fullmatch(text)
        if match and _in_range(match.groupdict()):
            return True
    return False


def _in_range(fields: dict[str, str | None]) -> bool:
    """Go's range checks: month 1-12, the day within the month, hour < 24, minute and
    second < 60, a zone offset of at most 24 h and 60 min."""
    number = {key: int(value) for key, value in fields.items() if value is not None}
    year, month, day = number["y"], number["m"], number["d"]
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(month, year):
        return False
    if number.get("H", 0) >= 24 or number.get("M", 0) >= 60 or number.get("S", 0) >= 60:
        return False
    return number.get("zh", 0) <= 24 and number.get("zm", 0) <= 60


def _days_in(month: int, year: int) -> int:
    """Go's daysIn: proleptic Gregorian, year 0 included (Python's calendar stops at 1)."""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _go_value(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return {_go_value(key): _go_value(value) for key, value in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_go_value(item) for item in node.value]
    assert isinstance(node, yaml.ScalarNode)
    return go_resolve(node.value) if node.style is None else node.value


def read_go_yaml_v2(text: str) -> list[Any]:
    """Every document as go-yaml v2 reads it (Go's types as Python's)."""
    return [_go_value(node) for node in yaml.compose_all(text, Loader=yaml.SafeLoader)]


def read_pyyaml(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))


def read_yaml_1_2(text: str) -> list[Any]:
    return list(YAML(typ="safe", pure=True).load_all(io.StringIO(text)))


READERS = {
    "PyYAML": read_pyyaml,
    "go-yaml v2": read_go_yaml_v2,
    "YAML 1.2 (ruamel.yaml)": read_yaml_1_2,
}


def readings(text: str) -> dict[str, list[Any]]:
    """What each reader makes of ``text``."""
    return {name: read(text) for name, read in READERS.items()}
