"""Reading the contract and finding the password: no server needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from wildside_valkey.errors import (
    EXIT_BAD_INPUT,
    ContractError,
    PasswordMissingError,
    PasswordSourceError,
)
from wildside_valkey.workload.contract_view import SecretRef, load_contract, read_view
from wildside_valkey.workload.password import PasswordSources, resolve_password

from .support import CONTRACT_HOST, make_contract

VIEW = read_view(make_contract())


def _no_secret(ref: SecretRef) -> bytes:
    raise AssertionError(f"{ref} must not be read")


def test_view_of_the_default_contract() -> None:
    assert VIEW.primary_host == CONTRACT_HOST
    assert VIEW.primary_port == 6379
    assert VIEW.cluster_mode is True
    assert VIEW.credentials == SecretRef("valkey", "valkey", "password")
    assert VIEW.tls_enabled is False
    assert VIEW.ca_secret is None


def test_view_of_a_tls_contract_and_an_older_contract_without_mode() -> None:
    view = read_view(make_contract(tls=True, mode=None, anonymous=True))
    assert view.cluster_mode is True  # the operator only runs cluster mode
    assert view.credentials is None
    assert view.ca_secret == SecretRef("valkey", "valkey-tls", "ca.crt")


def test_load_from_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(make_contract()))
    assert load_contract(path) == make_contract()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.pop("endpoints"), '"endpoints" must be an object'),
        (lambda c: c["endpoints"].update(primary_port="6379"), '"endpoints.primary_port"'),
        (lambda c: c["endpoints"].update(primary_port=True), '"endpoints.primary_port"'),
        (lambda c: c["endpoints"].update(primary_host=" "), '"endpoints.primary_host"'),
        (lambda c: c.update(mode="sentinel"), '"mode" must be one of cluster, standalone'),
        (lambda c: c["tls"].update(enabled="yes"), '"tls.enabled" must be true or false'),
        (lambda c: c.update(credentials="valkey"), '"credentials" must be an object or null'),
    ],
)
def test_bad_contracts_name_the_field(change: Any, message: str) -> None:
    contract = make_contract()
    change(contract)
    with pytest.raises(ContractError, match=message.replace(".", r"\.")) as caught:
        read_view(contract)
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_unreadable_and_invalid_contract_files(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="cannot read the contract file"):
        load_contract(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ContractError, match="not valid JSON"):
        load_contract(broken)
    a_list = tmp_path / "list.json"
    a_list.write_text(json.dumps([1]))
    with pytest.raises(ContractError, match="not a JSON object"):
        load_contract(a_list)
    with pytest.raises(ContractError, match="not valid JSON"):
        load_contract("{not json")


def test_precedence_argument_env_file_secret(tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("from-file")
    env = {"VALKEY_PASSWORD": "from-env"}
    full = PasswordSources(password="from-arg", file=password_file, from_secret=True)

    def secret(ref: SecretRef) -> bytes:
        return b"from-secret"

    def value(sources: PasswordSources, environ: dict[str, str]) -> str | None:
        found = resolve_password(VIEW, sources, secret, environ)
        return None if found is None else found.value

    assert value(full, env) == "from-arg"
    assert value(PasswordSources(file=password_file, from_secret=True), env) == "from-env"
    assert value(PasswordSources(file=password_file, from_secret=True), {}) == "from-file"
    assert value(PasswordSources(file=None, from_secret=True), {}) == "from-secret"


def test_empty_env_and_file_count_as_absent(tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("\n")
    with pytest.raises(PasswordMissingError) as caught:
        resolve_password(
            VIEW, PasswordSources(file=password_file), _no_secret, {"VALKEY_PASSWORD": ""}
        )
    assert "environment variable VALKEY_PASSWORD: empty" in caught.value.tried
    assert f"file {password_file}: empty" in caught.value.tried


def test_file_keeps_inner_spaces_and_drops_the_trailing_newline(tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(" two words \r\n")
    found = resolve_password(VIEW, PasswordSources(file=password_file), _no_secret, {})
    assert found is not None
    assert found.value == " two words "
    assert "two words" not in repr(found)
    assert "two words" not in str(found)


def test_a_file_that_cannot_be_read_is_an_error_not_skipped(tmp_path: Path) -> None:
    # A directory where the file should be: a broken volume mount.
    with pytest.raises(PasswordSourceError, match="cannot read the password file"):
        resolve_password(VIEW, PasswordSources(file=tmp_path), _no_secret, {})


def test_anonymous_contract_needs_no_password() -> None:
    anonymous = read_view(make_contract(anonymous=True))
    assert (
        resolve_password(anonymous, PasswordSources(), _no_secret, {"VALKEY_PASSWORD": "x"}) is None
    )


def test_sources_can_be_switched_off() -> None:
    with pytest.raises(PasswordMissingError) as caught:
        resolve_password(
            VIEW, PasswordSources(env=None, file=None), _no_secret, {"VALKEY_PASSWORD": "x"}
        )
    assert len(caught.value.tried) == 2  # the argument and the Secret only
