"""``connect`` over TLS against Debian's redis-server, verifying the contract's host name.

The server runs in cluster mode with the plain port off (as the operator runs
Valkey with ``tls: true``), announces an unreachable pod-like IP, and holds a
certificate for the operator's Service names only. The client dials 127.0.0.1
and must verify ``valkey.valkey.svc.cluster.local``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from valkey import Valkey
from valkey.cluster import ValkeyCluster

from tests.fakes.servers import status_server
from wildside_valkey.errors import (
    EXIT_BAD_INPUT,
    CaFileError,
    CertificateMismatchError,
    CertificateUntrustedError,
    ContractError,
    ServerTimeoutError,
    ServerUnreachableError,
    TlsHandshakeError,
)
from wildside_valkey.workload import open_client
from wildside_valkey.workload.client import ConnectOptions, connect

from .support import CONTRACT_HOST, PASSWORD, Pki, RedisTls, ValkeyServers, make_contract


@pytest.mark.parametrize("cluster", [True, False], ids=["cluster", "plain"])
def test_right_ca_verifies_the_contract_host_through_an_override(
    redis_tls: RedisTls, pki: Pki, cluster: bool
) -> None:
    connected = open_client(
        make_contract(tls=True),
        ConnectOptions(
            host="127.0.0.1",
            port=redis_tls.port,
            password=PASSWORD,
            ca_file=pki.ca.pem_file,
            cluster=cluster,
        ),
    )
    client = connected.client
    assert isinstance(client, ValkeyCluster if cluster else Valkey)
    try:
        assert client.set("tls-key", "over-tls", ex=30)
        assert client.get("tls-key") == b"over-tls"
        client.delete("tls-key")
    finally:
        client.close()  # type: ignore[no-untyped-call]
    assert connected.tls_server_name == CONTRACT_HOST
    assert connected.ca_source == f"file {pki.ca.pem_file}"


def test_another_ca_is_not_trusted(redis_tls: RedisTls, pki: Pki) -> None:
    with pytest.raises(CertificateUntrustedError, match="not trusted") as caught:
        connect(
            make_contract(tls=True),
            host="127.0.0.1",
            port=redis_tls.port,
            password=PASSWORD,
            ca_file=pki.other_ca.pem_file,
        )
    assert "ca_file" in str(caught.value)


def test_system_trust_store_does_not_trust_the_cluster_ca(redis_tls: RedisTls) -> None:
    with pytest.raises(CertificateUntrustedError):
        connect(make_contract(tls=True), host="127.0.0.1", port=redis_tls.port, password=PASSWORD)


@pytest.mark.parametrize("cluster", [True, False], ids=["cluster", "plain"])
def test_certificate_for_another_name_does_not_match(
    redis_tls: RedisTls, pki: Pki, cluster: bool
) -> None:
    with pytest.raises(CertificateMismatchError) as caught:
        connect(
            make_contract(tls=True),
            host="127.0.0.1",
            port=redis_tls.wrong_name.port,
            password=PASSWORD,
            ca_file=pki.ca.pem_file,
            cluster=cluster,
        )
    assert repr(CONTRACT_HOST) in str(caught.value)
    assert "Hostname mismatch" in str(caught.value)


def test_contract_host_outside_the_certificate_does_not_match(
    redis_tls: RedisTls, pki: Pki
) -> None:
    # Same server, but a contract (or override) naming a host the
    # certificate does not list: the seed's *-primary names, for instance.
    with pytest.raises(CertificateMismatchError):
        connect(
            make_contract(tls=True),
            host="127.0.0.1",
            port=redis_tls.port,
            password=PASSWORD,
            ca_file=pki.ca.pem_file,
            tls_server_name="valkey-primary.valkey.svc.cluster.local",
        )


def test_ca_file_that_is_not_pem_is_bad_input(redis_tls: RedisTls, tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.crt"
    not_pem.write_text("hello\n")
    with pytest.raises(CaFileError, match="holds no PEM certificate") as caught:
        connect(
            make_contract(tls=True),
            host="127.0.0.1",
            port=redis_tls.port,
            password=PASSWORD,
            ca_file=not_pem,
        )
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_ca_from_secret_needs_the_contract_to_name_one(redis_tls: RedisTls) -> None:
    with pytest.raises(ContractError, match=r"tls\.ca_secret"):
        connect(
            make_contract(tls=True, ca_secret=False),
            host="127.0.0.1",
            port=redis_tls.port,
            password=PASSWORD,
            ca_from_secret=True,
        )


def test_tls_client_against_a_plain_server(valkey_servers: ValkeyServers, pki: Pki) -> None:
    # valkey-server reads the TLS hello as the start of an inline command and
    # waits for its end, so the handshake times out rather than fails.
    with pytest.raises(ServerTimeoutError, match=r"tls\.enabled must be false"):
        connect(
            make_contract(tls=True),
            host="127.0.0.1",
            port=valkey_servers.seed_port,
            password=PASSWORD,
            ca_file=pki.ca.pem_file,
            timeout=0.5,
        )


def test_tls_client_against_a_server_speaking_another_protocol(pki: Pki) -> None:
    # An HTTP server answers the TLS hello with a plain-text 400 at once.
    with status_server(500) as url:
        http_port = int(url.rsplit(":", 1)[1])
        with pytest.raises(TlsHandshakeError, match="serving TLS"):
            connect(
                make_contract(tls=True),
                host="127.0.0.1",
                port=http_port,
                password=PASSWORD,
                ca_file=pki.ca.pem_file,
                cluster=False,
                timeout=2.0,
            )


def test_plain_client_against_a_tls_server(redis_tls: RedisTls) -> None:
    with pytest.raises(ServerUnreachableError, match=r"tls\.enabled must be true"):
        connect(
            make_contract(tls=False),
            host="127.0.0.1",
            port=redis_tls.port,
            password=PASSWORD,
            timeout=2.0,
        )
