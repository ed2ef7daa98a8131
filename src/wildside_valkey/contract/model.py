"""The sync policy contract: what downstream workloads read to connect.

Its keys are a public promise (see the interface): keys may be added, none may
change shape. Hosts are the Services the operator really creates and that its
TLS certificate covers.

This is the one declaration of the contract's shape: the ``VALKEY_*`` variables
(:mod:`.env`) and the check of a contract read back from JSON, YAML or those
variables (:mod:`.shape`) are derived from these classes. A field with a default
may be absent from contracts written before it existed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from ..variables import Variables
from ..variables.derived_names import headless_service_name
from .credentials import password_secret_ref

VALKEY_PORT = 6379

# The value types, each with the words an error uses for it.
Text = Annotated[str, msgspec.Meta(pattern=r"\S", description="a non-empty string")]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535, description="a port number (1-65535)")]
Count = Annotated[int, msgspec.Meta(ge=0, description="a whole number")]
# The operator runs cluster mode only; "standalone" is for a workload's own server.
Mode = Literal["cluster", "standalone"]


class Endpoints(msgspec.Struct, frozen=True, omit_defaults=True):
    primary_host: Text
    primary_port: Port
    replica_host: Text
    replica_port: Port
    # From outside the cluster: the proxy's DNS name, when the user gave one (an addition:
    # absent otherwise). The operator's proxy listens on the Valkey port.
    external_host: Text | None = None


class Credentials(msgspec.Struct, frozen=True):
    secret_name: Text
    secret_key: Text
    namespace: Text


class SecretKeyRef(msgspec.Struct, frozen=True):
    name: Text
    key: Text


class TLS(msgspec.Struct, frozen=True):
    enabled: bool
    cert_issuer: Text | None
    ca_secret: SecretKeyRef | None = None  # an addition: absent from older contracts


class Persistence(msgspec.Struct, frozen=True):
    enabled: bool
    # null in contracts of earlier versions (persistence off then meant the default class).
    storage_class: Text | None
    size: Text


class Replication(msgspec.Struct, frozen=True):
    nodes: Count
    replicas: Count


class Contract(msgspec.Struct, frozen=True):
    cluster_name: Text
    cluster_namespace: Text
    endpoints: Endpoints
    credentials: Credentials | None
    tls: TLS
    persistence: Persistence
    replication: Replication
    mode: Mode = "cluster"  # an addition: absent from older contracts

    def to_dict(self) -> dict[str, Any]:
        """The contract as plain JSON-ready data, keys in the documented order."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data


def build_contract(v: Variables) -> Contract:
    service = f"{v.cluster_name}.{v.namespace}.svc.{v.cluster_domain}"
    headless = f"{headless_service_name(v.cluster_name)}.{v.namespace}.svc.{v.cluster_domain}"
    secret = password_secret_ref(v)
    credentials = Credentials(secret[0], secret[1], v.namespace) if secret else None
    # Every Valkey carries storage (the operator cannot run one without), so this is
    # what runs whatever persistence_enabled says.
    persistence = Persistence(True, v.storage_class, v.storage_size)
    return Contract(
        cluster_name=v.cluster_name,
        cluster_namespace=v.namespace,
        endpoints=Endpoints(
            service, VALKEY_PORT, headless, VALKEY_PORT, v.external_access_hostname or None
        ),
        credentials=credentials,
        tls=TLS(
            enabled=v.tls_enabled,
            cert_issuer=v.cert_issuer_name if v.tls_enabled else None,
            ca_secret=SecretKeyRef(f"{v.cluster_name}-tls", "ca.crt") if v.tls_enabled else None,
        ),
        persistence=persistence,
        replication=Replication(v.nodes, v.replicas),
    )
