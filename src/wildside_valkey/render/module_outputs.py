"""The OpenTofu module's outputs, with their values, types and sensitivity (pure).

Names, nesting and sensitivity are the module's: leynos/wildside
``infra/modules/valkey/outputs.tf`` at d7c3e6f (the parent of c0ef0b10, the commit
that removed the module). Values come from this project's plan, so they name
what the operator really creates where the module guessed (see
docs/migrating.md): the Services are ``<cluster_name>`` and
``<cluster_name>-headless`` (the module's ``-primary``/``-replicas`` do not
exist), and with the operator-generated password the credentials name the
operator's Secret ``<cluster_name>``.

Types are written as OpenTofu's JSON type encoding (go-cty ``json.MarshalType``):
``"string"``, ``"number"``, ``"bool"``, ``["object", {...}]``, ``["map", "string"]``.
A value that may be null keeps the type of the other branch of the module's
conditional (``anonymous_auth ? null : {...}`` is an object type, value null).
``rendered_manifests`` is ``map(string)``: the module built it with ``merge()`` of
an object and conditional ``{path = text} : {}`` maps, which go-cty unifies to
``map(string)`` (hashicorp/go-cty ``convert/unify.go``, object types with
different attributes unify to a map; OpenTofu ``lang/funcs/collection.go``
``MergeFunc``: map arguments of one element type give that map type).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..contract import password_secret_ref
from ..plan import Plan
from .tree import render_tree

STRING = "string"
NUMBER = "number"
BOOL = "bool"
MASK = "(sensitive value)"


def _object(**attributes: Any) -> list[Any]:
    return ["object", dict(sorted(attributes.items()))]


_ENDPOINT = _object(host=STRING, port=NUMBER)
SYNC_POLICY_CONTRACT_TYPE = _object(
    cluster=_object(name=STRING, namespace=STRING),
    endpoints=_object(primary=_ENDPOINT, replica=_ENDPOINT),
    credentials=_object(secret_name=STRING, secret_key=STRING, namespace=STRING),
    tls=_object(enabled=BOOL, cert_issuer=STRING),
    persistence=_object(enabled=BOOL, storage_class=STRING, size=STRING),
    replication=_object(nodes=NUMBER, replicas=NUMBER),
)
RENDERED_MANIFESTS_TYPE = ["map", STRING]


@dataclass(frozen=True, slots=True)
class Output:
    """One output as ``tofu output -json`` describes it."""

    value: Any
    type: Any
    sensitive: bool = False


def module_outputs(plan: Plan, *, show_sensitive: bool = False) -> dict[str, Output]:
    """Every output of the module, by name, sorted as tofu prints them.

    The inline password (only ever inside ``rendered_manifests``) is masked
    unless ``show_sensitive``: secrets never appear in output unless asked for.
    """
    v = plan.variables
    contract = plan.contract.to_dict()
    secret = password_secret_ref(v)
    sync_policy_contract = _module_contract(contract)
    primary = sync_policy_contract["endpoints"]["primary"]
    replica = sync_policy_contract["endpoints"]["replica"]
    tls = contract["tls"]
    outputs = {
        "operator_namespace": Output(v.operator_namespace, STRING),
        "namespace": Output(v.namespace, STRING),
        "cluster_name": Output(v.cluster_name, STRING),
        "helm_release_name": Output(v.helm_release_name, STRING),
        "primary_service_name": Output(_service(primary["host"]), STRING),
        "replica_service_name": Output(_service(replica["host"]), STRING),
        "primary_endpoint": Output(primary["host"], STRING),
        "replica_endpoint": Output(replica["host"], STRING),
        "port": Output(primary["port"], NUMBER),
        "credentials_secret_name": Output(secret[0] if secret else None, STRING),
        "credentials_secret_key": Output(secret[1] if secret else None, STRING),
        "tls_enabled": Output(tls["enabled"], BOOL),
        "sync_policy_contract": Output(sync_policy_contract, SYNC_POLICY_CONTRACT_TYPE),
        "rendered_manifests": Output(
            rendered_manifests(plan, show_sensitive=show_sensitive),
            RENDERED_MANIFESTS_TYPE,
            sensitive=True,
        ),
    }
    return dict(sorted(outputs.items()))


def _module_contract(contract: dict[str, Any]) -> dict[str, Any]:
    """The contract in the module's own output shape (``sync_policy_contract``)."""
    endpoints = contract["endpoints"]
    primary = {"host": endpoints["primary_host"], "port": endpoints["primary_port"]}
    replica = {"host": endpoints["replica_host"], "port": endpoints["replica_port"]}
    tls = contract["tls"]
    persistence = contract["persistence"]
    return {
        "cluster": {"name": contract["cluster_name"], "namespace": contract["cluster_namespace"]},
        "credentials": contract["credentials"],
        "endpoints": {"primary": primary, "replica": replica},
        "persistence": {
            "enabled": persistence["enabled"],
            "size": persistence["size"],
            "storage_class": persistence["storage_class"],
        },
        "replication": dict(contract["replication"]),
        "tls": {"cert_issuer": tls["cert_issuer"], "enabled": tls["enabled"]},
    }


def rendered_manifests(plan: Plan, *, show_sensitive: bool = False) -> dict[str, str]:
    """Every file render writes, keyed by its path in the Git repository; {} in apply mode.

    The module keyed its map by GitOps path too ("platform/redis/valkey-cluster.yaml");
    here the tree lives at ``flux_path_prefix``.
    """
    v = plan.variables
    if v.mode != "render":
        return {}
    prefix = v.flux_path_prefix.strip().removeprefix("./").strip("/")
    files = {
        f"{prefix}/{path}" if prefix else path: text for path, text in render_tree(plan).items()
    }
    if show_sensitive or not v.password:
        return files
    return {path: _masked(text, _secret_forms(v.password)) for path, text in files.items()}


def _secret_forms(password: str) -> tuple[str, ...]:
    import base64  # noqa: PLC0415 - only a plan with an inline password needs it

    encoded = base64.b64encode(password.encode("utf-8")).decode("ascii")
    return (encoded, password)


def _masked(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def _service(host: str) -> str:
    """The Service name of a ``<service>.<namespace>.svc.<domain>`` host."""
    return host.partition(".")[0]


def outputs_as_json(outputs: Mapping[str, Output]) -> dict[str, dict[str, Any]]:
    return {
        name: {"sensitive": o.sensitive, "type": o.type, "value": o.value}
        for name, o in outputs.items()
    }
