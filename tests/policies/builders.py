"""Manifest sets from the real render, for the policy tests to change one field at a time.

Every tree is what `render_tree(build_plan(variables))` writes for the chosen
variables, parsed back into documents (as cloud-foundation-fabric's tests always
run the real plan); deny cases mutate those real manifests.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any, Literal

import yaml

from wildside_valkey.plan import build_plan
from wildside_valkey.policies import Finding, Report, Severity, evaluate_manifests
from wildside_valkey.render import render_tree as render
from wildside_valkey.variables import variables_from_mapping

Tree = dict[str, list[dict[str, Any]]]
Credentials = Literal["generated", "inline", "inline-allowed", "eso"]

ALLOW_PLAINTEXT = "wildside-valkey.io/allow-plaintext-secret"
CREDENTIALS: dict[str, dict[str, Any]] = {
    "generated": {},
    "inline": {"password_inline": "secret", "allow_plaintext_secrets": True},
    "inline-allowed": {"password_inline": "secret", "allow_plaintext_secrets": True},
    "eso": {"eso_enabled": True, "password_vault_path": "valkey/prod"},
}


@cache
def _rendered(variables: tuple[tuple[str, Any], ...]) -> Tree:
    files = render(build_plan(variables_from_mapping(dict(variables))))
    return {
        path: [doc for doc in yaml.safe_load_all(text) if doc is not None]
        for path, text in files.items()
        if path.endswith(".yaml")
    }


def render_tree(
    *,
    source_kind: str = "OCIRepository",
    tls: bool = False,
    replicas: int = 0,
    credentials: Credentials = "generated",
    pdb: bool = False,
) -> Tree:
    """The tree render writes for these choices (default arguments: default variables)."""
    variables: dict[str, Any] = {"replicas": replicas, **CREDENTIALS[credentials]}
    if source_kind != "OCIRepository":
        variables.update(flux_source_kind=source_kind, chart_repository="oci://ghcr.io/hyperspike")
    if tls:
        variables.update(tls_enabled=True, cert_issuer_name="letsencrypt")
    if pdb:  # the plan writes a PodDisruptionBudget only with replicas (TLS: no other warning)
        variables.update(pdb_enabled=True, replicas=max(replicas, 1))
        variables.update(tls_enabled=True, cert_issuer_name="letsencrypt")
    tree = copy.deepcopy(_rendered(tuple(sorted(variables.items()))))
    if credentials == "inline":  # the deny case: the same Secret without the opt-in
        del only(tree, "cluster/secret.yaml")["metadata"]["annotations"][ALLOW_PLAINTEXT]
    return tree


def flux_kustomization(
    name: str, path: str, *, depends_on: list[str] | None = None
) -> dict[str, Any]:
    """Another Flux Kustomization shaped like the rendered ones."""
    document = copy.deepcopy(render_tree()["sync.yaml"][0])
    document["metadata"]["name"] = name
    document["spec"]["path"] = path
    document["spec"].pop("dependsOn", None)
    if depends_on:
        document["spec"]["dependsOn"] = [{"name": d} for d in depends_on]
    return document


def secret(*, allowed: bool) -> dict[str, Any]:
    return only(
        render_tree(credentials="inline-allowed" if allowed else "inline"), "cluster/secret.yaml"
    )


def pod_disruption_budget() -> dict[str, Any]:
    return only(render_tree(pdb=True), "cluster/poddisruptionbudget.yaml")


def external_secret() -> dict[str, Any]:
    return only(render_tree(credentials="eso"), "cluster/externalsecret.yaml")


def only(tree: Tree, path: str) -> dict[str, Any]:
    """The single object of a file, for a test to change in place."""
    (document,) = tree[path]
    return document


def evaluate(tree: Tree) -> Report:
    return evaluate_manifests(tree)


def messages(report: Report, rule: str, severity: Severity | None = None) -> list[str]:
    """The messages one rule produced, sorted."""
    return sorted(
        f.message
        for f in report.findings
        if f.rule == rule and (severity is None or f.severity is severity)
    )


def rules(report: Report) -> list[tuple[str, str]]:
    """(severity, rule) of every finding, sorted: a compact view for "nothing else fired"."""
    return sorted((f.severity.value, f.rule) for f in report.findings)


def by_rule(report: Report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]
