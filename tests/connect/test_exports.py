"""The contract as a ConfigMap of ``VALKEY_*`` variables, and back."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from typing import Any

import kubernetes_validate
import pytest

from wildside_valkey.contract import (
    build_contract,
    contract_configmap,
    contract_env,
    contract_from_env,
    format_contract,
)
from wildside_valkey.errors import ContractError
from wildside_valkey.variables import variables_from_mapping

from .support import make_contract

# ConfigMap data keys, and names usable as environment variables with envFrom.
CONFIGMAP_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

VARIANTS = {
    "default": make_contract(),
    "anonymous": make_contract(anonymous=True),
    "tls": make_contract(tls=True),
    "tls-without-ca-secret": make_contract(tls=True, ca_secret=False),
    "before-mode-existed": make_contract(mode=None),
    "interface-md": {  # the exact example of interface.md, without the later keys
        k: v for k, v in make_contract(mode=None).items() if k != "tls"
    }
    | {"tls": {"enabled": False, "cert_issuer": None}},
}


def test_default_contract_variables() -> None:
    assert contract_env(make_contract()) == {
        "VALKEY_CLUSTER_NAME": "valkey",
        "VALKEY_CLUSTER_NAMESPACE": "valkey",
        "VALKEY_MODE": "cluster",
        "VALKEY_ENDPOINTS_PRIMARY_HOST": "valkey.valkey.svc.cluster.local",
        "VALKEY_ENDPOINTS_PRIMARY_PORT": "6379",
        "VALKEY_ENDPOINTS_REPLICA_HOST": "valkey-headless.valkey.svc.cluster.local",
        "VALKEY_ENDPOINTS_REPLICA_PORT": "6379",
        "VALKEY_CREDENTIALS_SECRET_NAME": "valkey",
        "VALKEY_CREDENTIALS_SECRET_KEY": "password",
        "VALKEY_CREDENTIALS_NAMESPACE": "valkey",
        "VALKEY_TLS_ENABLED": "false",
        "VALKEY_TLS_CERT_ISSUER": "",
        "VALKEY_TLS_CA_SECRET_NAME": "",
        "VALKEY_TLS_CA_SECRET_KEY": "",
        "VALKEY_PERSISTENCE_ENABLED": "true",
        "VALKEY_PERSISTENCE_STORAGE_CLASS": "do-block-storage",
        "VALKEY_PERSISTENCE_SIZE": "1Gi",
        "VALKEY_REPLICATION_NODES": "1",
        "VALKEY_REPLICATION_REPLICAS": "0",
    }


def test_anonymous_contract_keeps_the_credential_names_empty() -> None:
    env = contract_env(make_contract(anonymous=True))
    assert env["VALKEY_CREDENTIALS_SECRET_NAME"] == ""
    assert env["VALKEY_CREDENTIALS_NAMESPACE"] == ""


@pytest.mark.parametrize("contract", VARIANTS.values(), ids=VARIANTS.keys())
def test_configmap_is_valid_kubernetes(contract: dict[str, Any]) -> None:
    configmap = contract_configmap(contract)
    assert kubernetes_validate.validate(configmap, "1.32", strict=True) == "1.32"
    assert configmap["apiVersion"] == "v1"
    assert configmap["kind"] == "ConfigMap"
    metadata = configmap["metadata"]
    assert metadata == {
        "name": "valkey-contract",
        "namespace": "valkey",
        "labels": {
            "app.kubernetes.io/name": "wildside-valkey",
            "app.kubernetes.io/component": "contract",
            "app.kubernetes.io/instance": "valkey",
            "app.kubernetes.io/managed-by": "wildside-valkey",
        },
    }
    assert DNS_SUBDOMAIN.match(metadata["name"])
    for key, value in configmap["data"].items():
        assert CONFIGMAP_KEY.match(key), key
        assert ENV_NAME.match(key), key
        assert isinstance(value, str), key


@pytest.mark.parametrize("contract", VARIANTS.values(), ids=VARIANTS.keys())
def test_configmap_data_round_trips_to_the_same_contract(contract: dict[str, Any]) -> None:
    assert contract_from_env(contract_configmap(contract)["data"]) == contract


def test_the_external_host_is_exported_when_known_and_absent_otherwise() -> None:
    proxy = variables_from_mapping(
        {
            "external_access_enabled": True,
            "external_access_type": "proxy",
            "external_access_hostname": "valkey.preview.example.com",
        }
    )
    data = build_contract(proxy).to_dict()
    assert data["endpoints"]["external_host"] == "valkey.preview.example.com"
    env = contract_env(data)
    assert env["VALKEY_ENDPOINTS_EXTERNAL_HOST"] == "valkey.preview.example.com"
    assert contract_from_env(env) == data
    assert "VALKEY_ENDPOINTS_EXTERNAL_HOST" not in contract_env(make_contract())
    default = build_contract(variables_from_mapping({})).to_dict()
    assert "external_host" not in default["endpoints"]


def test_from_env_ignores_unrelated_variables() -> None:
    env = {"PATH": "/usr/bin", "VALKEY_PASSWORD": "x", **contract_env(make_contract())}
    assert contract_from_env(env) == make_contract()


def test_a_string_that_looks_like_a_number_stays_a_string() -> None:
    contract = make_contract()
    contract["persistence"]["storage_class"] = "1234"
    assert contract_from_env(contract_env(contract))["persistence"]["storage_class"] == "1234"


def test_unknown_contract_field_is_refused_not_dropped() -> None:
    contract = make_contract()
    contract["endpoints"]["proxy_host"] = "valkey-proxy"
    with pytest.raises(ContractError, match=r'"endpoints\.proxy_host" has no VALKEY_ variable'):
        contract_configmap(contract)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("VALKEY_ENDPOINTS_PRIMARY_PORT", "63x9", "must be a whole number"),
        ("VALKEY_TLS_ENABLED", "True", "must be true or false"),
        ("VALKEY_CLUSTER_NAME", "", "must be a non-empty string"),
        ("VALKEY_CREDENTIALS_SECRET_KEY", "", "is empty while other"),
    ],
)
def test_bad_variables_are_named(name: str, value: str, message: str) -> None:
    env = contract_env(make_contract()) | {name: value}
    with pytest.raises(ContractError, match=message) as caught:
        contract_from_env(env)
    assert name in str(caught.value)


def test_missing_variable_is_named() -> None:
    env = contract_env(make_contract())
    del env["VALKEY_REPLICATION_NODES"]
    with pytest.raises(ContractError, match="VALKEY_REPLICATION_NODES is missing"):
        contract_from_env(env)


def test_bad_contract_values_are_refused() -> None:
    contract = make_contract()
    contract["replication"]["nodes"] = True
    with pytest.raises(ContractError, match=r'"replication\.nodes" must be a whole number'):
        contract_env(contract)


CORE_VARIABLES = {
    "defaults": {},
    "anonymous-tls": {"anonymous_auth": True, "tls_enabled": True, "cert_issuer_name": "ca"},
    "no-persistence": {"persistence_enabled": False, "nodes": 3, "replicas": 1},
    "eso": {"eso_enabled": True, "password_vault_path": "apps/cache", "namespace": "apps"},
}


@pytest.mark.parametrize("raw", CORE_VARIABLES.values(), ids=CORE_VARIABLES.keys())
def test_core_contracts_export_like_the_env_format_and_round_trip(raw: dict[str, Any]) -> None:
    contract = build_contract(variables_from_mapping(raw))
    data = contract.to_dict()
    # Same names and values as `wildside-valkey contract --format env`.
    env_lines = format_contract(data, "env").splitlines()
    assert contract_env(contract) == {
        name: shlex.split(value)[0] if value != "''" else ""
        for name, _, value in (line.partition("=") for line in env_lines)
    }
    assert contract_from_env(contract_configmap(contract)["data"]) == data
    configmap = contract_configmap(contract)
    assert kubernetes_validate.validate(configmap, "1.32", strict=True) == "1.32"
    assert configmap["metadata"]["name"] == f"{data['cluster_name']}-contract"
    assert configmap["metadata"]["namespace"] == data["cluster_namespace"]


def test_exports_load_without_the_valkey_client_library() -> None:
    # The CLI's fast paths may use the exports; they must not pay for valkey.
    code = (
        "import sys\n"
        "from wildside_valkey.contract import contract_configmap\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('valkey', 'lightkube')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
