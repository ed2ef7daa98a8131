"""Map the addresses cluster nodes announce to addresses this client can reach.

In cluster mode the client learns the nodes from ``CLUSTER SLOTS``, which lists
the addresses the nodes announce (pod IPs). Through a port-forward, only the
forwarded address is reachable, so the node behind it must be mapped back to
it. The rule: the address you dial stands for the node that answers there; any
other node keeps its announced address unless ``address_map`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from wildside_valkey.errors import ConnectOptionError

Address = tuple[str, int]


def format_address(address: Address) -> str:
    """``host:port``, with brackets around an IPv6 host."""
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_address(text: str, what: str = "address") -> Address:
    """Parse ``host:port`` or ``[ipv6]:port``."""
    host, sep, port_text = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConnectOptionError(f"{what} {text!r} is not host:port")
    return host, int(port_text)


def parse_address_map(mapping: Mapping[str, str]) -> dict[Address, Address]:
    """``{"10.0.0.7:6379": "127.0.0.1:16380"}`` as parsed address pairs."""
    return {
        parse_address(announced, "announced address"): parse_address(reachable, "mapped address")
        for announced, reachable in mapping.items()
    }


@dataclass(frozen=True, slots=True)
class AddressRemap:
    """The ``address_remap`` callable valkey-py's cluster client applies to every node."""

    table: Mapping[Address, Address] = field(default_factory=dict)

    def __call__(self, address: Address) -> Address:
        host, port = address
        return self.table.get((host, int(port)), (host, int(port)))


def seed_aliases(
    myid: str, cluster_slots: Sequence[Sequence[object]], dial: Address
) -> set[Address]:
    """The addresses ``CLUSTER SLOTS`` gives for the node whose id is ``myid``.

    These are exactly the (host, port) pairs valkey-py will pass to the remap.
    A node that knows no peer may announce an empty host; valkey-py then uses
    the dialed host with the announced port, so that pair is included too.
    """
    aliases: set[Address] = set()
    for node in _nodes(cluster_slots):
        host, port, node_id = (_text(node[0]), int(str(node[1])), _text(node[2]))
        if node_id == myid:
            aliases.add((host or dial[0], port))
    return aliases


def _nodes(cluster_slots: Sequence[Sequence[object]]) -> Iterable[Sequence[object]]:
    # Each entry: [first_slot, last_slot, primary, replica...], each node
    # [host, port, id, (metadata)].
    for entry in cluster_slots:
        for node in entry[2:]:
            if isinstance(node, list | tuple) and len(node) >= 3:
                yield node


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
