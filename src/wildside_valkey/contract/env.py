"""The contract as ``VALKEY_*`` variables: a ConfigMap for ``envFrom``, and back.

Each contract field becomes ``VALKEY_`` + its path joined with ``_`` in upper
case (``endpoints.primary_host`` -> ``VALKEY_ENDPOINTS_PRIMARY_HOST``).
Values are strings: numbers in decimal, booleans ``true``/``false``, null
``""``. A null object (``credentials`` under anonymous auth) still exports all
its keys, empty, so a workload sees the same variable names either way. This is
the one flattening behind ``wildside-valkey contract --format env|configmap``
and the ConfigMap that render adds with ``contract_configmap_enabled``.

Strings lose their type, so the way back needs the contract's shape
(:func:`.shape.schema`, read off the model): the port ``"6379"`` is a number
but a cluster named ``"6379"`` is a string. A field the model does not declare
is refused rather than exported lossily; a field added to the model gets its
variable without a change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ContractError
from ..variables.derived_names import contract_configmap_name
from .model import Contract
from .shape import Entry, Field, Kind, NullableObject, schema

PREFIX = "VALKEY_"
_MISSING = object()


def env_name(path: tuple[str, ...]) -> str:
    return PREFIX + "_".join(path).upper()


ContractData = Contract | Mapping[str, Any]


def contract_env(contract: ContractData) -> dict[str, str]:
    """The contract flattened to ``VALKEY_*`` string variables, in schema order."""
    data = contract.to_dict() if isinstance(contract, Contract) else contract
    _refuse_unknown(data)
    env: dict[str, str] = {}
    for entry in schema():
        value = _get(data, entry.path)
        if value is _MISSING:
            if not entry.optional:
                raise ContractError(f'contract field "{_dotted(entry.path)}" is missing')
            continue
        if isinstance(entry, Field):
            env[env_name(entry.path)] = _to_text(value, entry)
        else:
            env.update(_object_to_env(value, entry))
    return env


def contract_configmap(
    contract: ContractData, *, labels: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A ConfigMap ``<cluster_name>-contract`` in the cluster namespace, for ``envFrom``.

    ``labels`` are added to the ConfigMap's own (the plan adds the instance's).
    """
    env = contract_env(contract)
    name = env[env_name(("cluster_name",))]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": contract_configmap_name(name),
            "namespace": env[env_name(("cluster_namespace",))],
            "labels": {
                "app.kubernetes.io/name": "wildside-valkey",
                "app.kubernetes.io/component": "contract",
                "app.kubernetes.io/instance": name,
                "app.kubernetes.io/managed-by": "wildside-valkey",
                **(labels or {}),
            },
        },
        "data": env,
    }


def contract_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """Rebuild the contract from ``VALKEY_*`` variables (``os.environ`` or a ConfigMap's data)."""
    contract: dict[str, Any] = {}
    for entry in schema():
        names = _env_names(entry)
        if entry.optional and not any(name in env for name in names):
            continue
        absent = [name for name in names if name not in env]
        if absent:
            raise ContractError(f"environment variable {absent[0]} is missing")
        if isinstance(entry, Field):
            value: Any = _from_text(env[names[0]], entry)
        else:
            value = _object_from_env(env, entry)
        _put(contract, entry.path, value)
    return contract


def _env_names(entry: Entry) -> list[str]:
    if isinstance(entry, Field):
        return [env_name(entry.path)]
    return [env_name((*entry.path, member)) for member in entry.members]


def _to_text(value: object, field: Field) -> str:
    kind = field.kind
    if kind is Kind.BOOLEAN and isinstance(value, bool):
        return "true" if value else "false"
    # bool is an int subclass: keep `true` out of the number fields.
    if kind is Kind.INTEGER and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if kind is Kind.OPTIONAL_STRING and value is None:
        return ""
    if kind in (Kind.STRING, Kind.OPTIONAL_STRING) and isinstance(value, str) and value:
        return value
    raise ContractError(f'contract field "{_dotted(field.path)}" must be {kind.value}')


def _from_text(text: str, field: Field) -> object:
    kind = field.kind
    name = env_name(field.path)
    if kind is Kind.BOOLEAN and text in ("true", "false"):
        return text == "true"
    if kind is Kind.INTEGER and text.isascii() and text.isdigit():
        return int(text)
    if kind is Kind.OPTIONAL_STRING:
        return text or None
    if kind is Kind.STRING and text:
        return text
    raise ContractError(f"environment variable {name} must be {kind.value}, not {text!r}")


def _object_to_env(value: object, entry: NullableObject) -> dict[str, str]:
    if value is None:
        return {env_name((*entry.path, member)): "" for member in entry.members}
    where = _dotted(entry.path)
    if not isinstance(value, Mapping):
        raise ContractError(f'contract field "{where}" must be an object or null')
    extra = sorted(set(value) - set(entry.members))
    if extra:
        raise ContractError(f'contract field "{where}.{extra[0]}" has no VALKEY_ variable')
    env: dict[str, str] = {}
    for member in entry.members:
        member_value = value.get(member)
        if not isinstance(member_value, str) or not member_value:
            raise ContractError(f'contract field "{where}.{member}" must be a non-empty string')
        env[env_name((*entry.path, member))] = member_value
    return env


def _object_from_env(env: Mapping[str, str], entry: NullableObject) -> dict[str, str] | None:
    values = {member: env[env_name((*entry.path, member))] for member in entry.members}
    if not any(values.values()):
        return None
    empty = [member for member, text in values.items() if not text]
    if empty:
        name = env_name((*entry.path, empty[0]))
        raise ContractError(
            f"environment variable {name} is empty while other "
            f"{env_name(entry.path)}_* are set: all empty means null"
        )
    return values


def _refuse_unknown(data: Mapping[str, Any]) -> None:
    known: dict[tuple[str, ...], Entry] = {entry.path: entry for entry in schema()}
    groups = {entry.path[:depth] for entry in schema() for depth in range(1, len(entry.path))}

    def walk(node: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
        for key, value in node.items():
            path = (*prefix, key)
            if path in known:
                continue
            if path in groups and isinstance(value, Mapping):
                walk(value, path)
                continue
            raise ContractError(
                f'contract field "{_dotted(path)}" has no VALKEY_ variable '
                "(the model, wildside_valkey.contract.model, does not declare it)"
            )

    walk(data, ())


def _get(data: Mapping[str, Any], path: tuple[str, ...]) -> object:
    node: object = data
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _put(data: dict[str, Any], path: tuple[str, ...], value: object) -> None:
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)
