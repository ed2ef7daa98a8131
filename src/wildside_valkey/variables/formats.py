"""Checks for the string formats the variables use (DNS names, quantities, durations...).

Patterns are matched whole (``fullmatch``: a trailing newline does not slip
through), compiled on first use through ``re``'s own cache (a run checks few
formats, a render of the defaults none, and compiling them all up front cost a
cold start ~2 ms), and with ASCII digits only (``[0-9]``: the digit class of ``re`` would
accept other scripts' digits, which Kubernetes rejects).

Each check returns the value unchanged or raises ``ValueError`` with a message
that says what the value must look like; the loader adds the variable's name.
The patterns are Kubernetes' and Flux's own, so a value accepted here is one
the API server and the CRDs accept too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
_DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_LABEL_NAME = r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"
_LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
_SECRET_KEY = r"^[-._a-zA-Z0-9]+$"
# Flux's own pattern for spec.interval and friends (the CRDs reject anything else).
_FLUX_DURATION = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
_SEMVER = (
    r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
    r"(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$"
)
_QUANTITY = (
    r"^(?P<number>([0-9]+(\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$"
)
_VAULT_PATH = r"^[A-Za-z0-9_/-]+$"
_URL_HOST = r"^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[-A-Za-z0-9._~/]*)?$"

_BINARY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SUFFIXES = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}


def _matching(value: str, pattern: str, limit: int, rule: str) -> str:
    if len(value) > limit or not re.fullmatch(pattern, value):
        raise ValueError(f"must be {rule} (got {value!r})")
    return value


def dns_label(value: str) -> str:
    rule = (
        "a DNS-1123 label: at most 63 lower-case letters, digits and '-', "
        "starting and ending with a letter or digit"
    )
    return _matching(value, _DNS_LABEL, 63, rule)


def dns_subdomain(value: str) -> str:
    rule = "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters"
    return _matching(value, _DNS_SUBDOMAIN, 253, rule)


def optional_dns_subdomain(value: str) -> str:
    """Empty (not set), or a DNS-1123 subdomain."""
    return dns_subdomain(value) if value else value


def dns_subdomain_list(values: tuple[str, ...]) -> tuple[str, ...]:
    """Each a DNS-1123 subdomain, none twice."""
    seen: set[str] = set()
    for index, value in enumerate(values):
        try:
            dns_subdomain(value)
        except ValueError as error:
            raise ValueError(f"item {index} {error}") from error
        if value in seen:
            raise ValueError(f"item {index} ({value!r}) is listed twice")
        seen.add(value)
    return values


def not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


def helm_release_name(value: str) -> str:
    dns_label(value)
    if len(value) > 53:
        raise ValueError(f"must be at most 53 characters, Helm's limit (got {len(value)})")
    return value


# Helm's own rule for chart names (helm/helm v3, pkg/chartutil/create.go, ``chartName``
# and ``maxChartNameLength``).
_CHART_NAME = r"^[a-zA-Z0-9._-]+$"
_CHART_NAME_LIMIT = 250
# An image reference as the container runtimes parse it (distribution/reference,
# reference.go grammar): [host[:port]/]path[:tag][@digest], the name at most 255.
_IMAGE = (
    r"^(?P<name>(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)"
    r"(?::[\w][\w.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)


def chart_name(value: str) -> str:
    not_blank(value)
    if (
        len(value) > _CHART_NAME_LIMIT
        or not re.fullmatch(_CHART_NAME, value)
        or value in {".", ".."}
    ):
        raise ValueError(
            "must be a Helm chart name: letters, digits, '.', '_' and '-' (at most "
            f"{_CHART_NAME_LIMIT})"
        )
    return value


def image_reference(value: str) -> str:
    """Blank (the operator's default) or an image reference such as 'valkey/valkey:8.1'."""
    if not value:
        return value
    match = re.fullmatch(_IMAGE, value)
    if match is None or len(match["name"]) > 255:
        raise ValueError(
            "must be a container image reference such as 'docker.io/valkey/valkey:8.1.1' "
            "([registry/]repository[:tag][@digest], repository in lower case)"
        )
    return value


def object_name(value: str) -> str:
    """Blank, or the name of a Kubernetes object (a DNS-1123 subdomain)."""
    return dns_subdomain(value) if value else value


def repository_path(value: str) -> str:
    """A relative path inside a Git repository, such as './platform/valkey'."""
    segments = value.split("/")
    if (
        not value
        or value.startswith("/")
        or ".." in segments
        or "\\" in value
        or not value.isprintable()
    ):
        raise ValueError(
            "must be a path relative to the repository root such as './platform/valkey' "
            "(not absolute, no '..', no backslashes or control characters)"
        )
    return value


def chart_repository(value: str) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in {"https", "oci"} or not re.fullmatch(_URL_HOST, rest):
        raise ValueError(f"must be an https:// or oci:// URL (got {value!r})")
    return value.rstrip("/")


def semantic_version(value: str) -> str:
    if not re.fullmatch(_SEMVER, value):
        raise ValueError(
            "must be an exact semantic version such as 'v0.0.61-chart' or '1.2.3' "
            f"(a range or 'latest' is not a pin) (got {value!r})"
        )
    return value


def flux_duration(value: str) -> str:
    if not re.fullmatch(_FLUX_DURATION, value):
        raise ValueError(f"must be a Go duration such as '1h', '30m' or '1h30m' (got {value!r})")
    return value


# Go's time.ParseDuration units; a TTL is a whole positive duration.
_GO_DURATION = r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"
_GO_DURATION_PART = r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)"
_GO_UNITS = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}


def go_duration_seconds(value: str) -> Decimal:
    """Seconds in a Go duration ('72h' -> 259200, '1h30m' -> 5400)."""
    if not re.fullmatch(_GO_DURATION, value):
        raise ValueError(f"must be a Go duration such as '72h', '30m' or '1h30m' (got {value!r})")
    return sum(
        (
            Decimal(number) * _GO_UNITS[unit]
            for number, unit in re.findall(_GO_DURATION_PART, value)
        ),
        Decimal(0),
    )


def optional_go_duration(value: str) -> str:
    """Blank, or a Go duration of at least one second."""
    if value and go_duration_seconds(value) < 1:
        raise ValueError(f"must be at least one second (got {value!r})")
    return value


def dns_labels(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        dns_label(value)
    if len(set(values)) != len(values):
        raise ValueError("lists a namespace more than once")
    return values


def dns_name(value: str) -> str:
    name = value.rstrip(".")
    if len(name) > 253 or not re.fullmatch(_DNS_SUBDOMAIN, name):
        raise ValueError(f"must be a DNS name such as 'cluster.local' (got {value!r})")
    longest = max(name.split("."), key=len)
    if len(longest) > 63:
        # RFC 1035: each label of a DNS name is at most 63 octets (resolvers refuse more).
        raise ValueError(
            "must be a DNS name such as 'cluster.local', each label (the text between dots) "
            f"at most 63 characters (got a label of {len(longest)})"
        )
    return name


def optional_dns_name(value: str) -> str:
    return dns_name(value) if value else value


def parse_quantity(value: str) -> Decimal:
    """The numeric value of a Kubernetes quantity ('500m' -> 0.5, '1Gi' -> 1073741824)."""
    match = re.fullmatch(_QUANTITY, value)
    if not match:
        raise ValueError(
            f"must be a Kubernetes quantity such as '100m', '0.5', '128Mi' or '1Gi' (got {value!r})"
        )
    try:
        number = Decimal(match["number"])
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"must be a Kubernetes quantity (got {value!r})") from error
    suffix = match["suffix"] or ""
    if suffix in _BINARY_SUFFIXES:
        result = number * _BINARY_SUFFIXES[suffix]
    elif suffix in _DECIMAL_SUFFIXES:
        result = number * _DECIMAL_SUFFIXES[suffix]
    else:
        # An exponent beyond any quantity is refused before it is computed: 1e999999999
        # would overflow Decimal, which is an error, not a quantity.
        exponent = int(suffix[1:])
        if abs(exponent) > _MAX_EXPONENT:
            raise ValueError(_too_large(value))
        result = number * Decimal(10) ** exponent
    if result > _MAX_QUANTITY:
        raise ValueError(_too_large(value))
    return result


# Kubernetes keeps a quantity in an int64 (k8s.io/apimachinery resource.Quantity) and
# caps anything larger; a value past that cap would not mean what it says.
_MAX_QUANTITY = Decimal(2**63 - 1)
_MAX_EXPONENT = 30


def _too_large(value: str) -> str:
    return f"is larger than a Kubernetes quantity can hold (2^63 - 1) (got {value!r})"


def positive_quantity(value: str) -> str:
    if parse_quantity(value) <= 0:
        raise ValueError(f"must be a Kubernetes quantity greater than zero (got {value!r})")
    return value


def secret_data_key(value: str) -> str:
    if len(value) > 253 or not re.fullmatch(_SECRET_KEY, value) or value in {".", ".."}:
        raise ValueError(
            f"must be a valid Secret data key: letters, digits, '-', '_' and '.' (got {value!r})"
        )
    return value


def vault_path(value: str) -> str:
    if value and not re.fullmatch(_VAULT_PATH, value):
        raise ValueError(f"must contain only letters, digits, '_', '/' and '-' (got {value!r})")
    return value


def whole_number(minimum: int, maximum: int) -> Callable[[int], int]:
    def check(value: int) -> int:
        if value < minimum:
            raise ValueError(
                f"must be a whole number greater than or equal to {minimum} (got {value})"
            )
        if value > maximum:
            raise ValueError(f"must be at most {maximum} (got {value})")
        return value

    return check


def lower_case(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def label_map(value: Mapping[str, str]) -> Mapping[str, str]:
    for key, label in value.items():
        label_key(key)
        label_value(key, label)
    return value


def annotation_map(value: Mapping[str, str]) -> Mapping[str, str]:
    # Annotation keys follow the label-key rules; their values are free text.
    for key in value:
        label_key(key)
    return value


def label_key(key: str) -> str:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not re.fullmatch(_DNS_SUBDOMAIN, prefix)):
        raise ValueError(f"label key {key!r} has an invalid prefix (must be a DNS subdomain)")
    if len(name) > 63 or not re.fullmatch(_LABEL_NAME, name):
        raise ValueError(
            f"label key {key!r} is invalid: at most 63 letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit, with an optional DNS prefix and '/'"
        )
    return key


def label_value(key: str, value: str) -> str:
    if len(value) > 63 or not re.fullmatch(_LABEL_VALUE, value):
        raise ValueError(
            f"label value {value!r} for {key!r} is invalid: at most 63 letters, digits, "
            "'-', '_' and '.', starting and ending with a letter or digit"
        )
    return value
