"""The module's variables: names, types, defaults and per-value rules.

The names, types and defaults are the OpenTofu module's (users keep their
``.tfvars``), so they are a public promise: see ``docs`` in the README, whose
variables table is generated from :data:`Variables.model_fields`.
Rules that involve several variables live in :mod:`.rules`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
)

from . import formats
from .helm_values import parse_values_document

DnsLabel = Annotated[str, AfterValidator(formats.dns_label)]
DnsSubdomain = Annotated[str, AfterValidator(formats.dns_subdomain)]
NotBlank = Annotated[str, AfterValidator(formats.not_blank)]
# The CRDs' counts are 32-bit integers.
INT32_MAX = 2**31 - 1
FluxDuration = Annotated[str, AfterValidator(formats.flux_duration)]
Quantity = Annotated[str, AfterValidator(formats.positive_quantity)]


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _variable(default: Any, tofu_type: str, rule: str, *, sensitive: bool = False) -> Any:
    """A field carrying the module's type name and rule text for the generated docs."""
    extra: dict[str, Any] = {"tofu_type": tofu_type, "sensitive": sensitive}
    return Field(default=default, description=rule, json_schema_extra=extra)


class _Strict(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        validate_default=False,
    )


class ResourceQuantities(_Strict):
    """The module's ``object({cpu, memory})``: both attributes are required, as in tofu."""

    cpu: Quantity
    memory: Quantity


class Toleration(_Strict):
    key: str = ""
    operator: Literal["Equal", "Exists"] = "Equal"
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]

    def to_manifest(self) -> dict[str, str]:
        """The toleration as the Kubernetes API spells it, empty attributes left out."""
        out = {"key": self.key, "operator": self.operator, "value": self.value}
        return {name: value for name, value in out.items() if value} | {"effect": self.effect}


class Variables(_Strict):
    """Every variable of the module, validated one by one.

    Instances are immutable: a plan built from them cannot be changed behind its back.
    """

    mode: Literal["render", "apply"] = _variable("render", "string", "`render` or `apply`")
    namespace: DnsLabel = _variable("valkey", "string", "DNS-1123 label")
    operator_namespace: DnsLabel = _variable("valkey-system", "string", "DNS-1123 label")
    create_namespaces: bool = _variable(True, "bool", "")
    helm_release_name: Annotated[str, AfterValidator(formats.helm_release_name)] = _variable(
        "valkey-operator", "string", "DNS-1123 label, ≤ 53 chars"
    )
    chart_repository: Annotated[str, AfterValidator(formats.chart_repository)] = _variable(
        "oci://ghcr.io/hyperspike", "string", "`https://` or `oci://` URL"
    )
    chart_name: NotBlank = _variable("valkey-operator", "string", "not blank")
    chart_version: Annotated[str, AfterValidator(formats.semantic_version)] = _variable(
        "v0.0.61-chart",
        "string",
        "semantic version, optional `v` prefix, pre-release/build allowed",
    )
    helm_wait: bool = _variable(True, "bool", "")
    helm_timeout: Annotated[int, Field(gt=0, le=INT32_MAX)] = _variable(
        600, "number", "seconds, > 0"
    )
    helm_values: tuple[str, ...] = _variable(
        (), "list(string)", "each a YAML mapping; merged deeply in order (later wins)"
    )
    flux_namespace: DnsLabel = _variable("flux-system", "string", "DNS-1123 label")
    flux_source_kind: Literal["OCIRepository", "HelmRepository"] = _variable(
        "OCIRepository",
        "string",
        "`OCIRepository` or `HelmRepository`; OCIRepository needs an `oci://` repository",
    )
    flux_helm_repository_name: DnsLabel = _variable(
        "valkey-operator", "string", "DNS-1123 label; name of the Flux source object"
    )
    flux_helm_repository_interval: FluxDuration = _variable("24h", "string", "Go duration")
    flux_helm_release_interval: FluxDuration = _variable("1h", "string", "Go duration")
    flux_git_repository_name: DnsSubdomain = _variable(
        "flux-system",
        "string",
        "the GitRepository the rendered Flux Kustomizations read from",
    )
    flux_path_prefix: NotBlank = _variable(
        "./platform/valkey", "string", "path of the rendered tree inside that Git repository"
    )
    cluster_name: DnsLabel = _variable("valkey", "string", "DNS-1123 label")
    nodes: Annotated[int, Field(ge=1, le=INT32_MAX)] = _variable(1, "number", "whole number ≥ 1")
    replicas: Annotated[int, Field(ge=0, le=INT32_MAX)] = _variable(0, "number", "whole number ≥ 0")
    cluster_domain: Annotated[str, AfterValidator(formats.dns_name)] = _variable(
        "cluster.local", "string", "DNS name"
    )
    persistence_enabled: bool = _variable(True, "bool", "")
    storage_size: Quantity = _variable("1Gi", "string", "Kubernetes quantity")
    # The interface says "not blank"; a StorageClass name must also be a DNS
    # subdomain, or the API server refuses the claim only once pods are created.
    storage_class: Annotated[NotBlank, AfterValidator(formats.dns_subdomain)] = _variable(
        "do-block-storage", "string", "not blank"
    )
    image: str = _variable("", "string", "blank = operator default")
    exporter_image: str = _variable("", "string", "blank = operator default")
    resource_requests: ResourceQuantities = _variable(
        ResourceQuantities(cpu="100m", memory="128Mi"),
        "object({cpu, memory})",
        "Kubernetes quantities; requests ≤ limits",
    )
    resource_limits: ResourceQuantities = _variable(
        ResourceQuantities(cpu="500m", memory="512Mi"),
        "object({cpu, memory})",
        "Kubernetes quantities",
    )
    prometheus_enabled: bool = _variable(False, "bool", "")
    service_monitor_enabled: bool = _variable(False, "bool", "needs prometheus_enabled")
    pdb_enabled: bool = _variable(False, "bool", "see operator-facts.md on the operator's own PDB")
    pdb_min_available: Annotated[int, Field(ge=0, le=INT32_MAX)] = _variable(
        1, "number", "≥ 0 and < nodes × (replicas + 1)"
    )
    pdb_name: DnsLabel = _variable("pdb-valkey", "string", "DNS-1123 label")
    node_selector: dict[str, str] = _variable({}, "map(string)", "label keys and values valid")
    tolerations: tuple[Toleration, ...] = _variable(
        (),
        "list(object({key, operator, value, effect}))",
        "operator `Equal`/`Exists`; effect `NoSchedule`/`PreferNoSchedule`/`NoExecute`",
    )
    anonymous_auth: bool = _variable(False, "bool", "")
    password_secret_name: DnsSubdomain = _variable(
        "valkey-password", "string", "DNS-1123 subdomain"
    )
    password_secret_key: Annotated[str, AfterValidator(formats.secret_data_key)] = _variable(
        "password", "string", "valid Secret data key"
    )
    password_inline: SecretStr = _variable(SecretStr(""), "string (sensitive)", "", sensitive=True)
    allow_plaintext_secrets: bool = _variable(
        False, "bool", "render mode writes `password_inline` into Git only when true"
    )
    eso_enabled: bool = _variable(False, "bool", "")
    eso_cluster_secret_store_name: DnsSubdomain = _variable(
        "vault-backend", "string", "DNS-1123 subdomain"
    )
    eso_refresh_interval: FluxDuration = _variable("1h", "string", "Go duration")
    password_vault_path: Annotated[str, AfterValidator(formats.vault_path)] = _variable(
        "",
        "string",
        "`[A-Za-z0-9_/-]+`; required when eso_enabled and not anonymous_auth",
    )
    password_vault_key: NotBlank = _variable("password", "string", "not blank")
    tls_enabled: bool = _variable(False, "bool", "")
    cert_issuer_name: str = _variable("", "string", "required when tls_enabled")
    cert_issuer_type: Literal["ClusterIssuer", "Issuer"] = _variable(
        "ClusterIssuer", "string", "`ClusterIssuer` or `Issuer`"
    )
    contract_configmap_enabled: bool = _variable(
        False,
        "bool",
        "adds a ConfigMap `<cluster_name>-contract` with the contract as `VALKEY_*` keys",
    )
    external_access_enabled: bool = _variable(False, "bool", "")
    external_access_type: Annotated[Literal["loadbalancer", "proxy"], BeforeValidator(_lower)] = (
        _variable(
            "loadbalancer",
            "string",
            "`loadbalancer` or `proxy` (any case); emitted as the CRD's `LoadBalancer`/`Proxy`",
        )
    )

    @field_validator("password_inline", mode="before")
    @classmethod
    def _strip_password(cls, value: Any) -> Any:
        # str_strip_whitespace does not reach SecretStr; the interface trims every string,
        # and tofu turns a number given for a string variable into its text.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value.strip() if isinstance(value, str) else value

    @field_validator("node_selector")
    @classmethod
    def _valid_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key, label in value.items():
            formats.label_key(key)
            formats.label_value(key, label.strip())
        return {key: label.strip() for key, label in value.items()}

    @field_validator("helm_values", mode="before")
    @classmethod
    def _list_of_strings(cls, value: Any) -> Any:
        # A single YAML document given where a list is expected is a common slip.
        if isinstance(value, str):
            raise ValueError('must be a list of YAML strings, e.g. ["key: value"]')
        return value

    @field_validator("helm_values")
    @classmethod
    def _yaml_mappings(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, document in enumerate(value):
            parse_values_document(index, document)
        return value

    @property
    def password(self) -> str:
        """The inline password; read only where it must be written (never logged)."""
        return self.password_inline.get_secret_value()

    @property
    def pods(self) -> int:
        """How many Valkey pods the operator runs: a primary and its replicas per shard."""
        return self.nodes * (self.replicas + 1)


VARIABLE_NAMES: tuple[str, ...] = tuple(Variables.model_fields)
SENSITIVE_VARIABLES: frozenset[str] = frozenset(
    name
    for name, field in Variables.model_fields.items()
    if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("sensitive")
)
