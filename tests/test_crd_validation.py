"""Every rendered object is one the API server accepts as written.

Custom resources are validated against the structural schemas of the real CRDs
(tests/data/crds, or ``$WILDSIDE_VALKEY_CRDS``) with unknown fields rejected: the API server would
prune such a field without a word, so the setting it carries would do nothing.
Built-in kinds are validated by ``kubernetes_validate`` in strict mode.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Mapping
from typing import Any

import jsonschema
import pytest
import yaml

from tests.cases.harness import (
    case_names,
    crds_dir,
    extraction_script,
    get_case,
    kubernetes_objects,
    object_key,
    render_case,
)
from tests.cases.kube_schemas import (
    served_crds,
    structural_to_json_schema,
    validation_errors,
)
from tests.cel_runtime import CelEvaluationError, rule_holds
from wildside_valkey.errors import VariablesError
from wildside_valkey.plan import build_plan
from wildside_valkey.render import render_tree
from wildside_valkey.variables import variables_from_mapping


def _object(case: str, key_suffix: str) -> dict[str, Any]:
    """A deep copy of one rendered object of a case, by the end of its inventory key."""
    tree = render_case(get_case(case)).tree
    for path, obj in kubernetes_objects(tree):
        if object_key(path, obj).endswith(key_suffix):
            return copy.deepcopy(obj)
    raise LookupError(f"{case}: no object {key_suffix}")


@pytest.mark.parametrize("name", case_names())
def test_every_rendered_object_validates(name: str) -> None:
    failures: list[str] = []
    kinds: set[str] = set()
    for path, obj in kubernetes_objects(render_case(get_case(name)).tree):
        kinds.add(obj["kind"])
        failures.extend(f"{object_key(path, obj)}: {error}" for error in validation_errors(obj))
    assert not failures, f"case {name}: objects the API server would refuse:\n" + "\n".join(
        failures
    )
    assert {"Valkey", "HelmRelease", "Kustomization"} <= kinds


# The OCI distribution spec's tag grammar: no `+`, at most 128 characters.
OCI_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


def _oci_tags(tree: Mapping[str, str]) -> list[str]:
    return [
        obj["spec"]["ref"]["tag"]
        for _, obj in kubernetes_objects(tree)
        if obj["kind"] == "OCIRepository" and "tag" in obj["spec"].get("ref", {})
    ]


@pytest.mark.parametrize("name", case_names())
def test_oci_repository_tags_are_registry_tags(name: str) -> None:
    for tag in _oci_tags(render_case(get_case(name)).tree):
        assert OCI_TAG.match(tag), f"case {name}: {tag!r} is not a valid OCI tag"


def test_a_chart_version_with_build_metadata_still_gives_a_valid_oci_tag() -> None:
    try:
        variables = variables_from_mapping({"chart_version": "v0.0.61-chart+build.7"})
    except VariablesError:
        return  # refusing it is a fix too
    tags = _oci_tags(render_tree(build_plan(variables)))
    assert tags
    assert all(OCI_TAG.match(tag) for tag in tags), tags


def test_the_served_versions_are_read_from_the_crds() -> None:
    assert set(served_crds()) == {
        ("hyperspike.io/v1", "Valkey"),
        ("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
        ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
        ("source.toolkit.fluxcd.io/v1", "HelmRepository"),
        ("source.toolkit.fluxcd.io/v1", "OCIRepository"),
        ("external-secrets.io/v1", "ExternalSecret"),
    }


# ------------------------------------------------------- the validator bites


def _errors_at(obj: dict[str, Any], where: str) -> list[str]:
    errors = validation_errors(obj)
    assert errors, f"expected {obj['kind']} to be refused at {where}"
    assert any(error.startswith(where) for error in errors), errors
    return errors


def test_valkey_tls_as_a_string_is_refused() -> None:
    valkey = _object("defaults", ":Valkey/valkey")
    valkey["spec"]["tls"] = "true"
    _errors_at(valkey, "spec.tls")


def test_valkey_storage_settings_directly_under_storage_are_refused() -> None:
    # The API server would prune them: the volume would silently get the defaults.
    valkey = _object("defaults", ":Valkey/valkey")
    valkey["spec"]["storage"] = {"size": "1Gi", "storageClassName": "fast"}
    errors = _errors_at(valkey, "spec.storage")
    assert any("size" in error for error in errors)


def test_valkey_storage_metadata_fields_are_refused() -> None:
    # The CRD declares `storage.metadata` as a bare object: its fields are pruned.
    valkey = _object("defaults", ":Valkey/valkey")
    valkey["spec"]["storage"]["metadata"] = {"labels": {"team": "cache"}}
    _errors_at(valkey, "spec.storage.metadata")


def test_valkey_external_access_type_must_be_capitalised() -> None:
    valkey = _object("external-proxy", ":Valkey/valkey")
    valkey["spec"]["externalAccess"]["type"] = "proxy"
    _errors_at(valkey, "spec.externalAccess.type")


def test_valkey_required_fields_and_int32_counts() -> None:
    valkey = _object("defaults", ":Valkey/valkey")
    del valkey["spec"]["clusterDomain"]
    valkey["spec"]["nodes"] = 2**31
    errors = validation_errors(valkey)
    assert any("clusterDomain" in error for error in errors), errors
    assert any(error.startswith("spec.nodes") for error in errors), errors


def test_unknown_spec_field_and_bad_metadata_are_refused() -> None:
    valkey = _object("defaults", ":Valkey/valkey")
    valkey["spec"]["replica"] = 1
    _errors_at(valkey, "spec")
    renamed = _object("defaults", ":Valkey/valkey")
    renamed["metadata"]["name"] = "Valkey_1"
    _errors_at(renamed, "metadata.name")
    annotated = _object("defaults", ":Valkey/valkey")
    annotated["metadata"]["uid"] = "123"
    _errors_at(annotated, "metadata")


def test_helm_release_with_both_chart_and_chart_ref_is_refused() -> None:
    release = _object("defaults", ":HelmRelease/valkey-operator")
    chart_release = _object("helm-repository-https", ":HelmRelease/valkey-operator")
    release["spec"]["chart"] = chart_release["spec"]["chart"]
    assert "spec: either chart or chartRef must be set" in validation_errors(release)
    del release["spec"]["chart"], release["spec"]["chartRef"]
    assert "spec: either chart or chartRef must be set" in validation_errors(release)


def test_helm_release_values_are_free_form_but_the_rest_is_not() -> None:
    release = _object("helm-values", ":HelmRelease/valkey-operator")
    release["spec"]["values"]["anything"] = {"at": ["all", {"deep": None}]}
    assert validation_errors(release) == []
    release["spec"]["install"]["crds"] = "Always"
    _errors_at(release, "spec.install.crds")


def test_flux_durations_and_oci_urls_follow_the_crd_patterns() -> None:
    sync = _object("defaults", "sync.yaml:Kustomization/valkey-valkey")
    sync["spec"]["interval"] = "1 day"
    _errors_at(sync, "spec.interval")
    source = _object("defaults", ":OCIRepository/valkey-operator")
    source["spec"]["url"] = "https://ghcr.io/hyperspike/valkey-operator"
    _errors_at(source, "spec.url")


def test_unserved_and_unknown_api_versions_are_refused() -> None:
    external = _object("eso", ":ExternalSecret/valkey-auth")
    external["apiVersion"] = "external-secrets.io/v1beta1"
    assert validation_errors(external) == [
        f"no served CRD for external-secrets.io/v1beta1 ExternalSecret in {crds_dir()}"
    ]
    monitor = {"apiVersion": "v1", "kind": "Frobnicator", "metadata": {"name": "x"}}
    assert validation_errors(monitor)


def test_built_in_kinds_are_validated_strictly() -> None:
    namespace = _object("defaults", ":Namespace/valkey")
    namespace["metadata"]["labelz"] = {"a": "b"}
    assert validation_errors(namespace)
    pdb = _object("ha", ":PodDisruptionBudget/sessions-pdb")
    pdb["spec"]["selector"]["matchLabel"] = pdb["spec"]["selector"].pop("matchLabels")
    assert validation_errors(pdb)
    secret = _object("inline-password", ":Secret/valkey-inline")
    secret["data"] = "not a map"
    assert validation_errors(secret)


# ------------------------------------------------- the conversion, in isolation


def _valid(schema: dict[str, Any], value: Any) -> bool:
    return bool(jsonschema.Draft7Validator(structural_to_json_schema(schema)).is_valid(value))


def test_conversion_handles_the_kubernetes_extensions() -> None:
    int_or_string = {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}]}
    assert _valid(int_or_string, 1)
    assert _valid(int_or_string, "50%")
    assert not _valid(int_or_string, 1.5)
    assert not _valid(int_or_string, True)
    nullable = {"type": "string", "nullable": True, "enum": ["a"]}
    assert _valid(nullable, None)
    assert not _valid({"type": "string"}, None)
    preserved = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    assert _valid(preserved, {"any": {"thing": 1}})
    closed = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert not _valid(closed, {"b": "x"})
    embedded = {
        "type": "object",
        "x-kubernetes-embedded-resource": True,
        "properties": {"spec": {"type": "object"}},
    }
    assert _valid(embedded, {"apiVersion": "v1", "kind": "PVC", "metadata": {"name": "data"}})
    assert not _valid(embedded, {"metadata": {"finalizers": []}})
    counts = {"type": "integer", "format": "int32"}
    assert _valid(counts, 2**31 - 1)
    assert not _valid(counts, 2**31)


def test_the_crd_rules_run_in_a_real_cel_runtime() -> None:
    rule = "(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))"
    assert rule_holds(rule, {"chart": {}})
    assert not rule_holds(rule, {"chart": {}, "chartRef": {}})
    retry = "!has(self.retryInterval) || self.name == 'RetryOnFailure'"
    assert rule_holds(retry, {"name": "RetryOnFailure", "retryInterval": "1m"})
    assert not rule_holds(retry, {"name": "RemediateOnFailure", "retryInterval": "1m"})
    # Reading a field that is not set is an error in CEL, as on the API server.
    with pytest.raises(CelEvaluationError, match="Key not found"):
        rule_holds("self.name == 'x'", {})


def test_every_rule_of_the_carried_crds_compiles() -> None:
    rules = [
        validation["rule"]
        for crd in served_crds().values()
        for validation in _validations(crd.structural)
    ]
    assert len(rules) >= 5
    for rule in rules:
        # An empty object: has() answers, a bare field read errors; neither is a compile error.
        with contextlib.suppress(CelEvaluationError):
            rule_holds(rule, {})


def _validations(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [v for item in node for v in _validations(item)]
    if not isinstance(node, Mapping):
        return []
    found = list(node.get("x-kubernetes-validations", []))
    return found + [
        v
        for key, child in node.items()
        if key != "x-kubernetes-validations"
        for v in _validations(child)
    ]


def test_the_carried_schemas_are_the_extraction_of_their_upstream() -> None:
    """tests/data/crds is what scripts/extract_crd_schemas.py makes of the upstream CRDs.

    Re-extracting the carried files gives them back (nothing hand-edited, no
    description left), and each names its upstream version; beside the upstream
    folder (``../shared/crds``) they are also compared with a fresh extraction.
    """
    extract_crd_schemas = extraction_script()
    carried = sorted(crds_dir().glob("*.yaml"))
    assert {p.name for p in carried} >= {
        "hyperspike.io_valkeys.yaml",
        "kustomize.toolkit.fluxcd.io_kustomizations.yaml",
        "helm.toolkit.fluxcd.io_helmreleases.yaml",
        "external-secrets.io_externalsecrets.yaml",
    }
    for path in carried:
        [crd] = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        upstream = crd["metadata"]["annotations"][extract_crd_schemas.SOURCE_ANNOTATION]
        assert re.search(r" v\d+\.\d+\.\d+ \(commit [0-9a-f]{40}\) ", upstream), upstream
        assert extract_crd_schemas.structural(crd, upstream) == crd, path.name
    if (extract_crd_schemas.DEFAULT_SOURCE / "SOURCES.md").is_file():
        wanted = extract_crd_schemas.extract(extract_crd_schemas.DEFAULT_SOURCE)
        assert {p.name: p.read_text(encoding="utf-8") for p in carried} == wanted, (
            "stale: run python scripts/extract_crd_schemas.py"
        )
