"""Every case folder renders to what its inventory says (one test per case).

The harness itself is tested below too, so that a comparison that cannot fail
would be noticed.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from . import regenerate
from .harness import (
    Case,
    actual_inventory,
    case_names,
    check_case,
    compare_inventory,
    discover_cases,
    dump_inventory,
    format_failure,
    get_case,
    render_case,
)

# The behaviours the suite must keep covering; more cases are welcome.
REQUIRED_CASES = frozenset(
    {
        "defaults",
        "ha",
        "tls-cluster-issuer",
        "tls-issuer",
        "eso",
        "inline-password",
        "anonymous-auth",
        "no-persistence",
        "external-loadbalancer",
        "external-proxy",
        "custom-namespaces",
        "no-namespace-creation",
        "helm-values",
        "helm-repository-https",
        "helm-repository-oci",
        "scheduling-monitoring",
    }
)
VALKEY = "cluster/valkey.yaml:Valkey/valkey"


@pytest.mark.parametrize("name", case_names())
def test_case(name: str) -> None:
    case = get_case(name)
    mismatches = check_case(case)
    if mismatches:
        pytest.fail(format_failure(case, mismatches), pytrace=False)


def test_required_cases_exist_and_use_every_loader() -> None:
    cases = discover_cases()
    assert {case.name for case in cases} >= REQUIRED_CASES
    suffixes = {case.variables_file.name.removeprefix("variables") for case in cases}
    assert {".tfvars", ".tfvars.json", ".json", ".yaml", ".yml"} <= suffixes


# ----------------------------------------------------------------- the harness


@pytest.fixture(scope="module")
def defaults() -> tuple[Case, dict[str, Any]]:
    case = get_case("defaults")
    return case, actual_inventory(render_case(case))


def _expected(defaults: tuple[Case, dict[str, Any]]) -> dict[str, Any]:
    """The defaults' full inventory, read back from the YAML regenerate would write."""
    case, actual = defaults
    loaded: dict[str, Any] = yaml.safe_load(dump_inventory(case, actual))
    return loaded


def test_regenerated_inventory_round_trips(defaults: tuple[Case, dict[str, Any]]) -> None:
    assert compare_inventory(_expected(defaults), defaults[1]) == []


def test_failure_message_names_case_path_values_and_command(
    defaults: tuple[Case, dict[str, Any]],
) -> None:
    case, actual = defaults
    expected = _expected(defaults)
    expected["objects"][VALKEY]["spec"]["certIssuerType"] = "Issuer"
    message = format_failure(case, compare_inventory(expected, actual))
    assert message.splitlines() == [
        "case tests/cases/defaults/inventory.yaml",
        f'  at objects."{VALKEY}".spec.certIssuerType',
        "  got:      <missing>",
        "  expected: 'Issuer'",
        "regenerate with: make golden   (python -m tests.cases.regenerate defaults)",
    ]


def test_objects_are_checked_partially(defaults: tuple[Case, dict[str, Any]]) -> None:
    expected = _expected(defaults)
    expected["objects"][VALKEY] = {"spec": {"tls": False, "nodes": 1}}
    expected["objects"]["sync.yaml:Kustomization/valkey-valkey"] = None
    assert compare_inventory(expected, defaults[1]) == []


def test_scalar_types_matter(defaults: tuple[Case, dict[str, Any]]) -> None:
    expected = _expected(defaults)
    expected["objects"][VALKEY]["spec"]["nodes"] = True
    expected["objects"][VALKEY]["spec"]["tls"] = "false"
    paths = [m.dotted for m in compare_inventory(expected, defaults[1])]
    assert paths == [f'objects."{VALKEY}".spec.nodes', f'objects."{VALKEY}".spec.tls']


def test_lists_are_compared_in_full(defaults: tuple[Case, dict[str, Any]]) -> None:
    storage = ["objects", VALKEY, "spec", "storage", "spec", "accessModes"]
    longer = _expected(defaults)
    _at(longer, storage[:-1])["accessModes"] = ["ReadWriteOnce", "ReadOnlyMany"]
    assert [m.dotted for m in compare_inventory(longer, defaults[1])] == [
        f'objects."{VALKEY}".spec.storage.spec.accessModes'
    ]
    # Inside a list element, the element's keys are checked in full.
    fewer_keys = _expected(defaults)
    sync = fewer_keys["objects"]["sync.yaml:Kustomization/valkey-valkey"]
    del sync["spec"]["healthCheckExprs"][0]["current"]
    assert [m.dotted for m in compare_inventory(fewer_keys, defaults[1])] == [
        'objects."sync.yaml:Kustomization/valkey-valkey".spec.healthCheckExprs[0].current'
    ]


def test_object_set_files_contract_and_sections_are_exact(
    defaults: tuple[Case, dict[str, Any]],
) -> None:
    expected = _expected(defaults)
    del expected["objects"]["operator/namespace.yaml:Namespace/valkey-system"]
    expected["objects"]["cluster/secret.yaml:Secret/valkey-password"] = {"type": "Opaque"}
    expected["files"].append("cluster/secret.yaml")
    expected["contract"]["tls"]["ca_secret"] = {"name": "valkey-tls", "key": "ca.crt"}
    del expected["contract"]["mode"]
    del expected["warnings"]
    expected["extra"] = 1
    paths = {m.dotted for m in compare_inventory(expected, defaults[1])}
    assert paths == {
        "warnings",
        "extra",
        "files",
        'objects."cluster/secret.yaml:Secret/valkey-password"',
        'objects."operator/namespace.yaml:Namespace/valkey-system"',
        "contract.tls.ca_secret",
        "contract.mode",
    }


def test_warnings_match_by_substring_in_order() -> None:
    case = get_case("no-persistence")
    actual = actual_inventory(render_case(case))
    expected: dict[str, Any] = yaml.safe_load(dump_inventory(case, actual))
    expected["warnings"] = ["still gets a 20Gi ReadWriteOnce volume"]
    assert compare_inventory(expected, actual) == []
    wrong = copy.deepcopy(expected)
    wrong["warnings"] = ["claims 1Gi"]
    assert [m.dotted for m in compare_inventory(wrong, actual)] == ["warnings[0]"]
    too_many = copy.deepcopy(expected)
    too_many["warnings"] = ["claims 8Gi", "claims 8Gi"]
    assert [m.dotted for m in compare_inventory(too_many, actual)] == ["warnings"]


def test_regenerate_refuses_unknown_case() -> None:
    with pytest.raises(SystemExit) as exit_info:
        regenerate.main(["--check", "no-such-case"])
    assert exit_info.value.code == 2


def _at(data: dict[str, Any], path: list[str]) -> dict[str, Any]:
    for key in path:
        data = data[key]
    return data
