"""The contract is declared once (contract/model.py); its variables and its check follow it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from wildside_valkey.contract import build_contract, contract_env, contract_from_env
from wildside_valkey.contract.env import env_name
from wildside_valkey.contract.shape import NullableObject, schema
from wildside_valkey.errors import ContractError
from wildside_valkey.variables import variables_from_mapping
from wildside_valkey.workload.contract_view import read_view

from .support import make_contract

# Every optional part present: proxy hostname, TLS with its CA Secret, a password Secret.
FULL = build_contract(
    variables_from_mapping(
        {
            "external_access_enabled": True,
            "external_access_type": "proxy",
            "external_access_hostname": "valkey.preview.example.com",
            "tls_enabled": True,
            "cert_issuer_name": "ca",
        }
    )
)


def _leaves(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths: set[tuple[str, ...]] = set()
    for key, value in data.items():
        path = (*prefix, key)
        paths |= _leaves(value, path) if isinstance(value, dict) else {path}
    return paths


def test_every_field_of_the_model_has_its_variable_and_nothing_else_does() -> None:
    declared: set[tuple[str, ...]] = set()
    for entry in schema():
        if isinstance(entry, NullableObject):
            declared |= {(*entry.path, member) for member in entry.members}
        else:
            declared.add(entry.path)
    assert declared == _leaves(FULL.to_dict())
    assert set(contract_env(FULL)) == {env_name(path) for path in declared}


def test_a_contract_object_and_its_data_give_the_same_variables() -> None:
    assert contract_env(FULL) == contract_env(FULL.to_dict())
    assert contract_from_env(contract_env(FULL)) == FULL.to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["endpoints"].update(primary_port=0), "must be a port number (1-65535)"),
        (lambda c: c["endpoints"].update(replica_port=70000), '"endpoints.replica_port"'),
        (lambda c: c.pop("persistence"), '"persistence" must be an object'),
        (lambda c: c["replication"].update(nodes=-1), '"replication.nodes" must be a whole'),
        (lambda c: c["credentials"].update(secret_key=""), '"credentials.secret_key" must be'),
        (lambda c: c["tls"].update(ca_secret={"name": "x"}), '"tls.ca_secret.key"'),
    ],
)
def test_a_contract_read_back_is_checked_against_the_whole_model(change: Any, message: str) -> None:
    contract = make_contract()
    change(contract)
    with pytest.raises(ContractError, match=re.escape(message)):
        read_view(contract)


def test_a_newer_contract_with_more_keys_still_reads() -> None:
    contract = make_contract()
    contract["endpoints"]["proxy_host"] = "valkey-proxy"
    contract["added_later"] = {"anything": 1}
    assert read_view(contract).primary_host == "valkey.valkey.svc.cluster.local"
