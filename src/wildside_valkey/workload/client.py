"""``connect``: a ready valkey client for the cluster a contract describes.

Everything the client needs comes from the contract (address, whether there
is a password and where it lives, TLS and its CA, cluster mode); the options
only say how *this* workload reaches it (password source, a port-forward
address, a CA file). Failures raise the errors of ``connect.errors``, wrapped
``from`` the library error, and never show the password.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias

from valkey import Valkey
from valkey.cluster import ValkeyCluster
from valkey.connection import Connection

from wildside_valkey.errors import ConnectOptionError
from wildside_valkey.workload.contract_view import (
    ContractSource,
    ContractView,
    load_contract,
    read_view,
)
from wildside_valkey.workload.named import with_named_timeouts
from wildside_valkey.workload.password import (
    DEFAULT_PASSWORD_ENV,
    DEFAULT_PASSWORD_FILE,
    Password,
    PasswordSources,
    SecretReader,
    resolve_password,
)
from wildside_valkey.workload.remap import (
    Address,
    AddressRemap,
    format_address,
    parse_address_map,
    seed_aliases,
)
from wildside_valkey.workload.secrets import read_secret_key
from wildside_valkey.workload.tls import build_ssl_context, load_ca, pinned_connection_class
from wildside_valkey.workload.translate import LIBRARY_ERRORS, Attempt, translate
from wildside_valkey.workload.wording import LIBRARY, Wording

ValkeyClient: TypeAlias = ValkeyCluster | Valkey


@dataclass(frozen=True, slots=True)
class ConnectOptions:
    """How this workload reaches the cluster; every field has a working default in a pod.

    ``host``/``port`` replace the contract's address (a port-forward, a load
    balancer) while TLS still verifies the contract's host name (or
    ``tls_server_name``). ``address_map`` maps other announced node addresses,
    as ``{"10.0.0.7:6379": "127.0.0.1:16380"}``. ``cluster=None`` follows the
    contract's ``mode``.
    """

    password: str | None = field(default=None, repr=False)
    password_env: str | None = DEFAULT_PASSWORD_ENV
    password_file: Path | None = DEFAULT_PASSWORD_FILE
    from_secret: bool = False
    kubeconfig: Path | None = None
    context: str | None = None
    host: str | None = None
    port: int | None = None
    address_map: Mapping[str, str] = field(default_factory=dict)
    ca_file: Path | None = None
    ca_from_secret: bool = False
    tls_server_name: str | None = None
    timeout: float = 5.0
    cluster: bool | None = None
    decode_responses: bool = False
    wording: Wording = LIBRARY  # how messages name these options (the CLI names its own)


@dataclass(frozen=True, slots=True)
class Connected:
    """A ready client and what was used to reach it (sources are named, values never)."""

    client: ValkeyClient
    view: ContractView
    attempt: Attempt
    ca_source: str | None

    @property
    def address(self) -> str:
        return self.attempt.address

    @property
    def cluster(self) -> bool:
        return self.attempt.cluster

    @property
    def tls_server_name(self) -> str | None:
        return self.attempt.tls_server_name

    @property
    def password_source(self) -> str | None:
        return self.attempt.password_source


def connect(
    contract: ContractSource,
    *,
    password: str | None = None,
    password_env: str | None = DEFAULT_PASSWORD_ENV,
    password_file: Path | str | None = DEFAULT_PASSWORD_FILE,
    from_secret: bool = False,
    kubeconfig: Path | str | None = None,
    context: str | None = None,
    host: str | None = None,
    port: int | None = None,
    address_map: Mapping[str, str] | None = None,
    ca_file: Path | str | None = None,
    ca_from_secret: bool = False,
    tls_server_name: str | None = None,
    timeout: float = 5.0,
    cluster: bool | None = None,
    decode_responses: bool = False,
) -> ValkeyClient:
    """Return a ready client: a ``ValkeyCluster``, or a plain ``Valkey`` with ``cluster=False``.

    The password comes from the first source that has one: ``password``, the
    environment variable ``password_env``, the file ``password_file``, then the
    contract's Secret through the Kubernetes API when ``from_secret`` is true.
    With TLS the CA comes from ``ca_file``, the contract's CA Secret when
    ``ca_from_secret`` is true, ``/var/run/secrets/valkey/ca.crt``, or the
    system store. Every primary answers PING before the client is returned.
    """
    options = ConnectOptions(
        password=password,
        password_env=password_env,
        password_file=None if password_file is None else Path(password_file),
        from_secret=from_secret,
        kubeconfig=None if kubeconfig is None else Path(kubeconfig),
        context=context,
        host=host,
        port=port,
        address_map=dict(address_map or {}),
        ca_file=None if ca_file is None else Path(ca_file),
        ca_from_secret=ca_from_secret,
        tls_server_name=tls_server_name,
        timeout=timeout,
        cluster=cluster,
        decode_responses=decode_responses,
    )
    return open_client(contract, options).client


def open_client(contract: ContractSource, options: ConnectOptions) -> Connected:
    """``connect`` with its options as one object, returning what was used as well.

    Three phases: the password (from the first source that has one), TLS (the CA and
    the name every node's certificate is checked against), then the client itself.
    """
    _check_options(options)
    view = read_view(load_contract(contract))
    read_secret = partial(
        read_secret_key,
        kubeconfig=options.kubeconfig,
        context=options.context,
        timeout=options.timeout,
    )
    password = resolve_password(
        view,
        PasswordSources(
            password=options.password,
            env=options.password_env,
            file=options.password_file,
            from_secret=options.from_secret,
            wording=options.wording,
        ),
        read_secret,
    )
    tls = _tls(view, options, read_secret)
    dial: Address = (options.host or view.primary_host, options.port or view.primary_port)
    attempt = Attempt(
        address=format_address(dial),
        tls_server_name=tls.server_name,
        password_source=None if password is None else password.source,
        cluster=view.cluster_mode if options.cluster is None else options.cluster,
        wording=options.wording,
    )
    client = _open(attempt, dial, tls.connection_class, password, options)
    return Connected(client=client, view=view, attempt=attempt, ca_source=tls.ca_source)


class _Tls(NamedTuple):
    connection_class: type[Connection]
    server_name: str | None = None
    ca_source: str | None = None


def _tls(view: ContractView, options: ConnectOptions, read_secret: SecretReader) -> _Tls:
    """Plain connections without TLS; else connections pinned to the contract's CA and host."""
    if not view.tls_enabled:
        return _Tls(Connection)
    ca_pem, ca_source = load_ca(
        view,
        ca_file=options.ca_file,
        ca_from_secret=options.ca_from_secret,
        read_secret=read_secret,
    )
    server_name = options.tls_server_name or view.primary_host
    pinned = pinned_connection_class(build_ssl_context(ca_pem), server_name)
    return _Tls(pinned, server_name, ca_source)


def _open(
    attempt: Attempt,
    dial: Address,
    connection_class: type[Connection],
    password: Password | None,
    options: ConnectOptions,
) -> ValkeyClient:
    # The URL carries only scheme, host and port: the password goes as a
    # keyword argument so it never appears in a URL, a repr or a log line.
    kwargs: dict[str, Any] = {
        "connection_class": with_named_timeouts(connection_class),
        "password": None if password is None else password.value,
        "socket_timeout": options.timeout,
        "socket_connect_timeout": options.timeout,
        "decode_responses": options.decode_responses,
    }
    url = f"valkey://{attempt.address}"
    try:
        if attempt.cluster:
            remap = _address_remap(url, kwargs, dial, options)
            return _open_cluster(url, kwargs, remap)
        return _open_plain(url, kwargs)
    except LIBRARY_ERRORS as exc:
        raise translate(exc, attempt) from exc


def _check_options(options: ConnectOptions) -> None:
    if options.port is not None and not 0 < options.port < 65536:
        raise ConnectOptionError(f"port must be 1-65535, not {options.port}")
    if options.host is not None and not options.host.strip():
        raise ConnectOptionError("host must not be blank")
    if not options.timeout > 0:
        raise ConnectOptionError(f"timeout must be more than 0 seconds, not {options.timeout}")
    parse_address_map(options.address_map)  # bad input before any network traffic


def _open_plain(url: str, kwargs: Mapping[str, Any]) -> Valkey:
    client = Valkey.from_url(url, **kwargs)
    try:
        client.ping()
    except BaseException:
        client.close()  # type: ignore[no-untyped-call]
        raise
    return client


def _open_cluster(url: str, kwargs: Mapping[str, Any], remap: AddressRemap) -> ValkeyCluster:
    # from_url is the only cluster constructor that hands ``connection_class``
    # on to each node's connection pool (the keyword path drops it).
    client: ValkeyCluster = ValkeyCluster.from_url(url, address_remap=remap, **kwargs)  # type: ignore[no-untyped-call]
    try:
        # Reach every shard now, so an unreachable node fails here and not on
        # the first key that hashes to it.
        client.ping(target_nodes=ValkeyCluster.PRIMARIES)
    except BaseException:
        client.close()  # type: ignore[no-untyped-call]
        raise
    return client


def _address_remap(
    url: str, kwargs: Mapping[str, Any], dial: Address, options: ConnectOptions
) -> AddressRemap:
    """The remap table: explicit entries, plus the dialed node when the address was overridden."""
    table = parse_address_map(options.address_map)
    if options.host is None and options.port is None:
        return AddressRemap(table)
    probe = Valkey.from_url(url, **kwargs)
    try:
        myid = probe.execute_command("CLUSTER", "MYID")  # type: ignore[no-untyped-call]
        slots = probe.execute_command("CLUSTER", "SLOTS")  # type: ignore[no-untyped-call]
    finally:
        probe.close()  # type: ignore[no-untyped-call]
    node_id = myid.decode() if isinstance(myid, bytes) else str(myid)
    for alias in seed_aliases(node_id, slots, dial):
        table.setdefault(alias, dial)
    return AddressRemap(table)
