"""The top-level API is a deliberate list: adding or removing a name is a choice made here."""

from __future__ import annotations

import subprocess
import sys

import pytest

import wildside_valkey

EXPORTED = [
    "ConnectError",
    "Contract",
    "ContractError",
    "Plan",
    "Variables",
    "VariablesError",
    "WildsideError",
    "build_contract",
    "build_plan",
    "connect",
    "contract_from_env",
    "load_variables",
    "render_to",
    "render_tree",
    "variables_from_mapping",
]


def test_the_exported_names_are_exactly_these() -> None:
    assert wildside_valkey.__all__ == EXPORTED


def test_every_exported_name_resolves_and_says_where_it_lives() -> None:
    for name in EXPORTED:
        member = getattr(wildside_valkey, name)
        # Each is the package's own, from the module that defines it (no re-exported library name).
        assert member.__module__.startswith("wildside_valkey."), name


def test_no_two_exported_names_are_one_object_and_none_clashes_with_apply() -> None:
    from wildside_valkey import apply

    members = [getattr(wildside_valkey, name) for name in EXPORTED]
    assert len({id(member) for member in members}) == len(members)
    # `connect` is the workload's Valkey client; the cluster client has its own name.
    assert "connect" not in apply.__all__
    assert "connect_cluster" in apply.__all__
    assert wildside_valkey.connect.__module__ == "wildside_valkey.workload.client"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="not_a_name"):
        getattr(wildside_valkey, "not_a_name")  # noqa: B009 - the name is the point


def test_importing_the_package_loads_none_of_the_exports() -> None:
    code = (
        "import sys, wildside_valkey\n"
        "print(sorted(m for m in sys.modules if m.startswith('wildside_valkey.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['wildside_valkey._lazy']"
