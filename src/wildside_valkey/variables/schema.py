"""The module's variables: names, types, defaults and per-value rules.

The names, types and defaults are the OpenTofu module's (users keep their
``.tfvars``), so they are a public promise; the variables table in docs/variables.md is
generated from the declarations below. Each declaration carries, in its
``Meta``, the module's type name, the rule as documented, and the checks that
enforce it. Rules that involve several variables live in :mod:`.rules`.

msgspec rather than pydantic: on the machines this runs on, importing pydantic
alone costs three times a bare ``python -c "import yaml"``, which is the whole
start-up budget of ``render``; msgspec converts and checks the same types for
a fraction of that (see docs/benchmarks.md).
"""

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Annotated, Any, Literal, NamedTuple, Self, get_args, get_origin

import msgspec
from msgspec import Meta, Struct, field

from . import formats
from .helm_values import check_values_documents

Check = Callable[[Any], Any]
INT32_MAX = 2**31 - 1  # the CRDs' counts are 32-bit integers


def _var(
    tofu_type: str,
    rule: str,
    *checks: Check,
    sensitive: bool = False,
    normalize: Check | None = None,
    trim: bool = True,
    operator: bool = False,
    new: bool = False,
) -> Meta:
    """The documentation and checks of one variable, kept beside its declaration.

    ``checks`` run on the converted value, in order; ``normalize`` runs on the raw
    value before conversion (to accept any case, for example). Strings are trimmed
    unless ``trim`` is false (YAML documents, where indentation means something).
    ``operator`` marks what the shared operator is made of (its namespace, chart,
    release and Flux source): the environments of one batch must agree on it.
    ``new`` marks a variable the OpenTofu module did not have (leynos/wildside
    ``infra/modules/valkey`` at d7c3e6f): docs/migrating.md lists them from this.
    """
    extra = {
        "tofu_type": tofu_type,
        "checks": checks,
        "sensitive": sensitive,
        "normalize": normalize,
        "trim": trim,
        "operator": operator,
        "new": new,
    }
    return Meta(description=rule, extra=extra)


class Sensitive:
    """A secret string that never shows itself in repr, str or formatting."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sensitive) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Sensitive('**********')" if self._value else "Sensitive('')"

    __str__ = __repr__


class ResourceQuantities(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The module's ``object({cpu, memory})``: both attributes are required, as in tofu."""

    cpu: Annotated[str, _var("string", "Kubernetes quantity", formats.positive_quantity)]
    memory: Annotated[str, _var("string", "Kubernetes quantity", formats.positive_quantity)]


TOLERATION_OPERATORS = ("Equal", "Exists")
TOLERATION_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


class Toleration(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One toleration, every attribute optional as in the module and in Kubernetes.

    The module (leynos/wildside d7c3e6f, the parent of c0ef0b10,
    ``infra/modules/valkey/variables-cluster.tf``) declares
    ``list(object({key = optional(string), operator = optional(string), ...}))``;
    an empty attribute means Kubernetes' default: operator ``Equal``, every effect.
    ``{operator = "Exists"}`` with no key tolerates every taint.
    """

    key: str = ""
    operator: str = ""
    value: str = ""
    effect: str = ""

    def problems(self) -> Iterator[tuple[str, str]]:
        """Every broken rule as (attribute, problem): Kubernetes' ``validateTolerations``."""
        if self.operator and self.operator not in TOLERATION_OPERATORS:
            yield (
                "operator",
                f"must be 'Equal' or 'Exists', or empty for Equal (got {self.operator!r})",
            )
        if self.effect and self.effect not in TOLERATION_EFFECTS:
            yield (
                "effect",
                "must be 'NoSchedule', 'PreferNoSchedule' or 'NoExecute', or empty for every "
                f"effect (got {self.effect!r})",
            )
        if self.operator == "Exists" and self.value:
            yield "value", "must be empty when operator is Exists"
        if self.operator != "Exists" and not self.key:
            yield (
                "key",
                "is required unless operator is Exists (which, without a key, tolerates "
                "every taint)",
            )
        for attribute, check in (
            ("key", formats.label_key),
            ("value", lambda value: formats.label_value(self.key, value)),
        ):
            text = getattr(self, attribute)
            if text and not (attribute == "value" and self.operator == "Exists"):
                try:
                    check(text)
                except ValueError as error:
                    yield attribute, str(error)

    def to_manifest(self) -> dict[str, str]:
        """The toleration as the Kubernetes API spells it, empty attributes left out."""
        out = (
            ("key", self.key),
            ("operator", self.operator),
            ("value", self.value),
            ("effect", self.effect),
        )
        return {name: value for name, value in out if value}


def without_nulls(value: Any) -> Any:
    """A list of objects whose null attributes are left out (tofu's unset ``optional``)."""
    if isinstance(value, list | tuple):
        return [
            {k: v for k, v in item.items() if v is not None} if isinstance(item, Mapping) else item
            for item in value
        ]
    return value


def _default_requests() -> ResourceQuantities:
    return ResourceQuantities(cpu="100m", memory="128Mi")


def _default_limits() -> ResourceQuantities:
    return ResourceQuantities(cpu="500m", memory="512Mi")


DNS_LABEL = "DNS-1123 label"


class Variables(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Every variable of the module, each checked on its own by the loader.

    Instances are immutable: a plan built from them cannot be changed behind its back.
    """

    mode: Annotated[Literal["render", "apply"], _var("string", "`render` or `apply`")] = "render"
    ttl: Annotated[
        str,
        _var(
            "string",
            "Go duration such as `72h`; blank = none; apply records it for `destroy --expired`",
            formats.optional_go_duration,
            new=True,
        ),
    ] = ""
    namespace: Annotated[str, _var("string", DNS_LABEL, formats.dns_label)] = "valkey"
    operator_namespace: Annotated[
        str, _var("string", DNS_LABEL, formats.dns_label, operator=True)
    ] = "valkey-system"
    create_namespaces: Annotated[bool, _var("bool", "", operator=True)] = True
    helm_release_name: Annotated[
        str, _var("string", "DNS-1123 label, ≤ 53 chars", formats.helm_release_name, operator=True)
    ] = "valkey-operator"
    chart_repository: Annotated[
        str, _var("string", "`https://` or `oci://` URL", formats.chart_repository, operator=True)
    ] = "oci://ghcr.io/hyperspike"
    chart_name: Annotated[str, _var("string", "not blank", formats.chart_name, operator=True)] = (
        "valkey-operator"
    )
    chart_version: Annotated[
        str,
        _var(
            "string",
            "semantic version, optional `v` prefix, pre-release/build allowed",
            formats.semantic_version,
            operator=True,
        ),
    ] = "v0.0.61-chart"
    helm_wait: Annotated[bool, _var("bool", "", operator=True)] = True
    helm_timeout: Annotated[
        int, _var("number", "seconds, > 0", formats.whole_number(1, INT32_MAX), operator=True)
    ] = 600
    helm_values: Annotated[
        tuple[str, ...],
        _var(
            "list(string)",
            "each a YAML mapping; merged deeply in order (later wins)",
            check_values_documents,
            trim=False,
            operator=True,
        ),
    ] = ()
    flux_namespace: Annotated[str, _var("string", DNS_LABEL, formats.dns_label, operator=True)] = (
        "flux-system"
    )
    flux_source_kind: Annotated[
        Literal["OCIRepository", "HelmRepository"],
        _var(
            "string",
            "`OCIRepository` or `HelmRepository`; OCIRepository needs an `oci://` repository",
            operator=True,
            new=True,
        ),
    ] = "OCIRepository"
    flux_helm_repository_name: Annotated[
        str,
        _var(
            "string",
            "DNS-1123 label; name of the Flux source object",
            formats.dns_label,
            operator=True,
        ),
    ] = "valkey-operator"
    flux_helm_repository_interval: Annotated[
        str, _var("string", "Go duration", formats.flux_duration, operator=True)
    ] = "24h"
    flux_helm_release_interval: Annotated[
        str, _var("string", "Go duration", formats.flux_duration, operator=True)
    ] = "1h"
    flux_git_repository_name: Annotated[
        str,
        _var(
            "string",
            "the GitRepository the rendered Flux Kustomizations read from",
            formats.dns_subdomain,
            operator=True,
            new=True,
        ),
    ] = "flux-system"
    flux_path_prefix: Annotated[
        str,
        _var(
            "string",
            "path of the rendered tree inside that Git repository",
            formats.repository_path,
            new=True,
        ),
    ] = "./platform/valkey"
    flux_service_account_name: Annotated[
        str,
        _var(
            "string",
            "empty (none) or a DNS-1123 subdomain: `serviceAccountName` of both Flux "
            "Kustomizations and the HelmRelease, for Flux's multi-tenancy lockdown",
            formats.optional_dns_subdomain,
            operator=True,
            new=True,
        ),
    ] = ""
    flux_depends_on: Annotated[
        tuple[str, ...],
        _var(
            "list(string)",
            "names of Kustomizations in `flux_namespace` (such as cert-manager's) that the "
            "cluster Kustomization waits for",
            formats.dns_subdomain_list,
            new=True,
        ),
    ] = ()
    cluster_name: Annotated[str, _var("string", DNS_LABEL, formats.dns_label)] = "valkey"
    nodes: Annotated[
        int, _var("number", "whole number ≥ 1", formats.whole_number(1, INT32_MAX))
    ] = 1
    replicas: Annotated[
        int, _var("number", "whole number ≥ 0", formats.whole_number(0, INT32_MAX))
    ] = 0
    cluster_domain: Annotated[str, _var("string", "DNS name", formats.dns_name)] = "cluster.local"
    cluster_preferred_endpoint_type: Annotated[
        Literal["ip", "hostname", "unknown-endpoint"],
        _var(
            "string",
            "`ip`, `hostname` or `unknown-endpoint`: what redirects name; see the contract docs",
            new=True,
        ),
    ] = "ip"
    persistence_enabled: Annotated[bool, _var("bool", "")] = True
    storage_size: Annotated[
        str, _var("string", "Kubernetes quantity", formats.positive_quantity)
    ] = "1Gi"
    # The interface says "not blank"; a StorageClass name must also be a DNS
    # subdomain, or the API server refuses the claim only once pods are created.
    storage_class: Annotated[
        str, _var("string", "not blank", formats.not_blank, formats.dns_subdomain)
    ] = "do-block-storage"
    image: Annotated[str, _var("string", "blank = operator default", formats.image_reference)] = ""
    exporter_image: Annotated[
        str, _var("string", "blank = operator default", formats.image_reference)
    ] = ""
    resource_requests: Annotated[
        ResourceQuantities,
        _var("object({cpu, memory})", "Kubernetes quantities; requests ≤ limits"),
    ] = field(default_factory=_default_requests)
    resource_limits: Annotated[
        ResourceQuantities, _var("object({cpu, memory})", "Kubernetes quantities")
    ] = field(default_factory=_default_limits)
    prometheus_enabled: Annotated[bool, _var("bool", "")] = False
    prometheus_labels: Annotated[
        Mapping[str, str],
        _var(
            "map(string)",
            "label keys and values valid; added to the ServiceMonitor for a Prometheus selector",
            formats.label_map,
            new=True,
        ),
    ] = field(default_factory=lambda: MappingProxyType({}))
    service_monitor_enabled: Annotated[bool, _var("bool", "needs prometheus_enabled")] = False
    pdb_enabled: Annotated[
        bool,
        _var(
            "bool",
            "the operator keeps its own PDB (`maxUnavailable: 1`); a second one blocks node "
            "drains: [design.md](design.md#the-operators-own-poddisruptionbudget)",
        ),
    ] = False
    pdb_min_available: Annotated[
        int,
        _var("number", "≥ 0 and < nodes × (replicas + 1)", formats.whole_number(0, INT32_MAX)),
    ] = 1
    pdb_name: Annotated[str, _var("string", DNS_LABEL, formats.dns_label)] = "pdb-valkey"
    node_selector: Annotated[
        Mapping[str, str], _var("map(string)", "label keys and values valid", formats.label_map)
    ] = field(default_factory=lambda: MappingProxyType({}))
    tolerations: Annotated[
        tuple[Toleration, ...],
        _var(
            "list(object({key, operator, value, effect}))",
            # The interface's words; every attribute is optional (see Toleration).
            "operator `Equal`/`Exists`; effect `NoSchedule`/`PreferNoSchedule`/`NoExecute`",
            normalize=without_nulls,
        ),
    ] = ()
    network_policy_enabled: Annotated[
        bool, _var("bool", "a NetworkPolicy admitting only what the cluster needs", new=True)
    ] = False
    network_policy_client_namespaces: Annotated[
        tuple[str, ...],
        _var(
            "list(string)",
            "DNS-1123 labels; namespaces whose pods may connect on 6379 (empty = `namespace`)",
            formats.dns_labels,
            new=True,
        ),
    ] = ()
    network_policy_client_pod_labels: Annotated[
        Mapping[str, str],
        _var(
            "map(string)",
            "label keys and values valid; only pods with these labels (empty = all pods there)",
            formats.label_map,
            new=True,
        ),
    ] = field(default_factory=lambda: MappingProxyType({}))
    network_policy_monitoring_namespace: Annotated[
        str,
        _var(
            "string",
            "DNS-1123 label; where Prometheus scrapes the metrics port from",
            formats.dns_label,
            new=True,
        ),
    ] = "monitoring"
    anonymous_auth: Annotated[bool, _var("bool", "")] = False
    password_secret_name: Annotated[
        str, _var("string", "DNS-1123 subdomain", formats.dns_subdomain)
    ] = "valkey-password"
    password_secret_key: Annotated[
        str, _var("string", "valid Secret data key", formats.secret_data_key)
    ] = "password"
    password_inline: Annotated[Sensitive, _var("string (sensitive)", "", sensitive=True)] = field(
        default_factory=lambda: Sensitive("")
    )
    password_existing_secret: Annotated[
        bool,
        _var(
            "bool",
            "the Valkey uses Secret `password_secret_name`, which you create (not with "
            "eso_enabled, password_inline or anonymous_auth)",
            new=True,
        ),
    ] = False
    allow_plaintext_secrets: Annotated[
        bool, _var("bool", "render mode writes `password_inline` into Git only when true", new=True)
    ] = False
    eso_enabled: Annotated[bool, _var("bool", "")] = False
    eso_cluster_secret_store_name: Annotated[
        str, _var("string", "DNS-1123 subdomain", formats.dns_subdomain)
    ] = "vault-backend"
    eso_refresh_interval: Annotated[str, _var("string", "Go duration", formats.flux_duration)] = (
        "1h"
    )
    password_vault_path: Annotated[
        str,
        _var(
            "string",
            "`[A-Za-z0-9_/-]+`; required when eso_enabled and not anonymous_auth",
            formats.vault_path,
        ),
    ] = ""
    password_vault_key: Annotated[str, _var("string", "not blank", formats.not_blank)] = "password"
    tls_enabled: Annotated[bool, _var("bool", "")] = False
    cert_issuer_name: Annotated[
        str, _var("string", "required when tls_enabled", formats.object_name)
    ] = ""
    cert_issuer_type: Annotated[
        Literal["ClusterIssuer", "Issuer"], _var("string", "`ClusterIssuer` or `Issuer`")
    ] = "ClusterIssuer"
    contract_configmap_enabled: Annotated[
        bool,
        _var(
            "bool",
            "adds a ConfigMap `<cluster_name>-contract` with the contract as `VALKEY_*` keys",
            new=True,
        ),
    ] = False
    external_access_enabled: Annotated[bool, _var("bool", "")] = False
    external_access_type: Annotated[
        Literal["loadbalancer", "proxy"],
        _var(
            "string",
            "`loadbalancer` or `proxy` (any case); emitted as the CRD's `LoadBalancer`/`Proxy`",
            normalize=formats.lower_case,
        ),
    ] = "loadbalancer"
    external_access_hostname: Annotated[
        str,
        _var(
            "string",
            "empty, or a DNS name; only with `external_access_type = proxy` (added to the "
            "proxy certificate; the contract's `endpoints.external_host`)",
            formats.optional_dns_name,
            new=True,
        ),
    ] = ""
    external_access_annotations: Annotated[
        Mapping[str, str],
        _var(
            "map(string)",
            "annotation keys valid; on the proxy Service or the per-shard LoadBalancer Services",
            formats.annotation_map,
            new=True,
        ),
    ] = field(default_factory=lambda: MappingProxyType({}))
    external_access_proxy_replicas: Annotated[
        int,
        _var(
            "number",
            "whole number ≥ 1; proxy pods with `external_access_type = proxy`",
            formats.whole_number(1, INT32_MAX),
            new=True,
        ),
    ] = 1

    @property
    def password(self) -> str:
        """The inline password; read only where it must be written (never logged)."""
        return self.password_inline.reveal()

    @property
    def pods(self) -> int:
        """How many Valkey pods the operator runs: a primary and its replicas per shard."""
        return self.nodes * (self.replicas + 1)

    @property
    def creates_pdb(self) -> bool:
        """Whether a PodDisruptionBudget is created: the seed's rule, only when there are
        replicas for it to protect (``pdb_enabled`` alone is not enough)."""
        return self.pdb_enabled and self.replicas > 0

    @property
    def uses_proxy(self) -> bool:
        """Whether clients outside reach the cluster through the operator's Envoy proxy."""
        return self.external_access_enabled and self.external_access_type == "proxy"

    @property
    def records_lifecycle(self) -> bool:
        """Whether the preview lifecycle record is written: apply mode only, with a ``ttl``."""
        return self.mode == "apply" and bool(self.ttl)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied; the caller vouches that they are valid values."""
        return msgspec.structs.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON output); the password is masked."""
        data: dict[str, Any] = msgspec.to_builtins(self, enc_hook=_plain)
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, Sensitive):
        return repr(value)
    if isinstance(value, MappingProxyType):
        return dict(value)
    raise NotImplementedError(type(value))


class VariableSpec(NamedTuple):
    """One variable as the loader and the docs see it."""

    name: str
    type: Any  # what msgspec converts the raw value to
    default: Any
    tofu_type: str
    rule: str
    checks: tuple[Check, ...]
    sensitive: bool
    normalize: Check | None
    trim: bool
    operator: bool  # part of the shared operator (see ``_var``)
    new: bool  # not a variable of the OpenTofu module (see ``_var``)


def _spec(info: msgspec.structs.FieldInfo) -> VariableSpec:
    base, meta = info.type, Meta()
    if get_origin(base) is Annotated:
        base, *metas = get_args(base)
        meta = next(m for m in metas if isinstance(m, Meta))
    extra = meta.extra or {}
    default = info.default_factory() if info.default is msgspec.NODEFAULT else info.default
    return VariableSpec(
        name=info.name,
        type=base,
        default=default,
        tofu_type=str(extra.get("tofu_type", "string")),
        rule=meta.description or "",
        checks=tuple(extra.get("checks", ())),
        sensitive=bool(extra.get("sensitive", False)),
        normalize=extra.get("normalize"),
        trim=bool(extra.get("trim", True)),
        operator=bool(extra.get("operator", False)),
        new=bool(extra.get("new", False)),
    )


def variable_specs() -> Iterator[VariableSpec]:
    return (_spec(info) for info in msgspec.structs.fields(Variables))


SPECS: dict[str, VariableSpec] = {spec.name: spec for spec in variable_specs()}
VARIABLE_NAMES: tuple[str, ...] = tuple(SPECS)
SENSITIVE_VARIABLES: frozenset[str] = frozenset(n for n, s in SPECS.items() if s.sensitive)
# What the shared operator of a batch is made of: the environments must agree on these.
OPERATOR_VARIABLES: tuple[str, ...] = tuple(n for n, s in SPECS.items() if s.operator)
# The OpenTofu module's own variables, which keep their names, types and defaults here.
MODULE_VARIABLES: tuple[str, ...] = tuple(n for n, s in SPECS.items() if not s.new)
