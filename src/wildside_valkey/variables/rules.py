"""Rules that involve more than one variable.

Each rule names the variables it involves, so that when one of them is already
broken on its own, the loader can leave the rule out instead of piling a second,
derived complaint on top of the first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from ..errors import Problem
from .derived_names import (
    HOST_NAME_LIMIT,
    cluster_kustomization_name,
    derived_names,
    host_names,
    service_name_problem,
)
from .formats import parse_quantity
from .schema import Variables


class Rule(NamedTuple):
    involves: tuple[str, ...]
    check: Callable[[Variables], Iterator[Problem]]


def _tls_issuer(v: Variables) -> Iterator[Problem]:
    if v.tls_enabled and not v.cert_issuer_name:
        yield Problem(
            "cert_issuer_name",
            "is required when tls_enabled = true: the operator asks cert-manager "
            "for the certificate through this issuer",
        )


def _eso_vault_path(v: Variables) -> Iterator[Problem]:
    if v.eso_enabled and not v.anonymous_auth and not v.password_vault_path:
        yield Problem(
            "password_vault_path",
            "is required when eso_enabled = true (unless anonymous_auth = true): "
            "it is the secret's path in the store",
        )


def _existing_secret_alone(v: Variables) -> Iterator[Problem]:
    if not v.password_existing_secret:
        return
    others = {
        "anonymous_auth = true": v.anonymous_auth and "no password is used",
        "eso_enabled = true": v.eso_enabled and "External Secrets creates that Secret",
        "password_inline": bool(v.password) and "this tool would create that Secret",
    }
    for setting, reason in others.items():
        if reason:
            yield Problem(
                "password_existing_secret",
                f"cannot be combined with {setting} ({reason}); choose one way to provide "
                "the password",
            )


def _service_monitor(v: Variables) -> Iterator[Problem]:
    if v.service_monitor_enabled and not v.prometheus_enabled:
        yield Problem(
            "service_monitor_enabled",
            "needs prometheus_enabled = true: the ServiceMonitor scrapes the exporter "
            "that prometheus_enabled adds",
        )


def _pdb_min_available(v: Variables) -> Iterator[Problem]:
    # Only where a PDB is created: with replicas = 0 there is none (plan warns instead).
    if v.creates_pdb and v.pdb_min_available >= v.pods:
        yield Problem(
            "pdb_min_available",
            f"must be below the pod count nodes × (replicas + 1) = {v.pods} "
            f"(got {v.pdb_min_available}); otherwise no pod can ever be evicted",
        )


def _requests_within_limits(v: Variables) -> Iterator[Problem]:
    for resource in ("cpu", "memory"):
        request = getattr(v.resource_requests, resource)
        limit = getattr(v.resource_limits, resource)
        if parse_quantity(request) > parse_quantity(limit):
            yield Problem(
                f"resource_requests.{resource}",
                f"must not exceed resource_limits.{resource} (got {request} > {limit})",
            )


def _oci_source(v: Variables) -> Iterator[Problem]:
    if v.flux_source_kind == "OCIRepository" and not v.chart_repository.startswith("oci://"):
        yield Problem(
            "chart_repository",
            f'must be an oci:// URL when flux_source_kind = "OCIRepository" '
            f'(got {v.chart_repository!r}); set flux_source_kind = "HelmRepository" '
            "for an https:// chart repository",
        )


def _external_hostname(v: Variables) -> Iterator[Problem]:
    # Only the proxy has one address; per-shard LoadBalancers each get their own.
    if v.external_access_hostname and not v.uses_proxy:
        yield Problem(
            "external_access_hostname",
            "needs external_access_enabled = true and external_access_type = proxy: it names "
            "the proxy's load balancer (per-shard LoadBalancers have one address each)",
        )


def render_problems(v: Variables, broken: frozenset[str] = frozenset()) -> list[Problem]:
    """Rules for what render writes into Git; other commands write nothing there."""
    return _failing(RENDER_RULES, v, broken)


def _kustomization_name_fits(v: Variables) -> Iterator[Problem]:
    length = len(cluster_kustomization_name(v))
    if length > 63:
        yield Problem(
            "cluster_name",
            f"with namespace {v.namespace!r} makes the Flux Kustomization name "
            f"'<cluster_name>-<namespace>' {length} characters long; label values allow 63",
        )


def _depends_on_no_cycle(v: Variables) -> Iterator[Problem]:
    # Flux never reconciles a Kustomization that depends on itself; the operator's is
    # already a dependency, so naming it again is harmless and allowed.
    own = cluster_kustomization_name(v)
    if own in v.flux_depends_on:
        yield Problem(
            "flux_depends_on",
            f"names {own!r}, the cluster's own Flux Kustomization "
            "('<cluster_name>-<namespace>'): it would wait for itself and never reconcile",
        )


def _plaintext_in_git(v: Variables) -> Iterator[Problem]:
    writes_secret = v.password and not v.anonymous_auth and not v.eso_enabled
    if writes_secret and not v.allow_plaintext_secrets:
        yield Problem(
            "password_inline",
            "render mode would write this password into Git in plain text; "
            "set allow_plaintext_secrets = true to accept that, or keep the secret "
            "out of Git: use eso_enabled with password_vault_path, or leave "
            "password_inline empty and the operator generates a password in-cluster",
        )


def _pdb_name_free(v: Variables) -> Iterator[Problem]:
    if v.creates_pdb and v.pdb_name == v.cluster_name:
        yield Problem(
            "pdb_name",
            f"must differ from cluster_name ({v.cluster_name!r}): the operator keeps its own "
            "PodDisruptionBudget under that name and resets it, so the two would fight forever",
        )


def _derived_names_fit(v: Variables) -> Iterator[Problem]:
    problem = service_name_problem(v.cluster_name)
    if problem:
        yield Problem("cluster_name", problem)
    for derived in derived_names(v):
        if len(derived.name) > derived.limit:
            yield Problem(
                "cluster_name",
                f"is too long: the operator derives the {derived.what} {derived.name!r} "
                f"({len(derived.name)} characters) from it, over Kubernetes' limit of "
                f"{derived.limit}",
            )
            return
    for host in host_names(v):
        if len(host) > HOST_NAME_LIMIT:
            yield Problem(
                "cluster_name",
                f"with namespace and cluster_domain makes the host name {host!r} "
                f"{len(host)} characters long; DNS names allow {HOST_NAME_LIMIT}",
            )
            return


# Namespaces that a cluster Kustomization (or destroy) must never own: pruning
# the environment would delete them.
_RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def _namespace_not_shared_infrastructure(v: Variables) -> Iterator[Problem]:
    if not v.create_namespaces:
        return
    for name in ("namespace", "operator_namespace"):
        value = getattr(v, name)
        if value in _RESERVED_NAMESPACES or value == v.flux_namespace:
            yield Problem(
                name,
                f"is {value!r}, which this module would then create and own (and delete with "
                "the environment); use another namespace, or set create_namespaces = false",
            )


RULES: tuple[Rule, ...] = (
    Rule(("tls_enabled", "cert_issuer_name"), _tls_issuer),
    Rule(("eso_enabled", "anonymous_auth", "password_vault_path"), _eso_vault_path),
    Rule(
        ("password_existing_secret", "anonymous_auth", "eso_enabled", "password_inline"),
        _existing_secret_alone,
    ),
    Rule(("service_monitor_enabled", "prometheus_enabled"), _service_monitor),
    Rule(("pdb_enabled", "pdb_min_available", "nodes", "replicas"), _pdb_min_available),
    Rule(("resource_requests", "resource_limits"), _requests_within_limits),
    Rule(("pdb_enabled", "replicas", "pdb_name", "cluster_name"), _pdb_name_free),
    Rule(
        ("create_namespaces", "namespace", "operator_namespace", "flux_namespace"),
        _namespace_not_shared_infrastructure,
    ),
    Rule(("flux_source_kind", "chart_repository"), _oci_source),
    Rule(
        ("external_access_hostname", "external_access_enabled", "external_access_type"),
        _external_hostname,
    ),
    Rule(
        (
            "cluster_name",
            "namespace",
            "cluster_domain",
            "nodes",
            "prometheus_enabled",
            "external_access_enabled",
            "external_access_type",
            "contract_configmap_enabled",
        ),
        _derived_names_fit,
    ),
)


RENDER_RULES: tuple[Rule, ...] = (
    Rule(
        ("password_inline", "anonymous_auth", "eso_enabled", "allow_plaintext_secrets"),
        _plaintext_in_git,
    ),
    Rule(("cluster_name", "namespace"), _kustomization_name_fits),
    Rule(("flux_depends_on", "cluster_name", "namespace"), _depends_on_no_cycle),
)


def cross_variable_problems(v: Variables, broken: frozenset[str] = frozenset()) -> list[Problem]:
    """Every cross-variable rule that fails, skipping rules over already-broken variables."""
    return _failing(RULES, v, broken)


def _failing(rules: tuple[Rule, ...], v: Variables, broken: frozenset[str]) -> list[Problem]:
    problems: list[Problem] = []
    for rule in rules:
        if broken.isdisjoint(rule.involves):
            problems.extend(rule.check(v))
    return problems
