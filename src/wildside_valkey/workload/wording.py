"""How the workload's messages name the caller's options: Python keywords, or the CLI's.

A hint in an error says what to change, so it must name what the caller can
change: ``connect(from_secret=True)`` for a library caller, ``--from-secret``
for someone running ``check``. The messages are written once, with these
names filled in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Wording:
    """The caller's name for each option a workload message may point at."""

    # A password given directly, as a source; None where there is no such option (the CLI).
    password: str | None
    env: str  # an environment variable, "{}" its name
    file: str  # the password file, "{}" its path
    from_secret: str
    give_password: str  # what to do when a server wants a password and none was sent
    host_port: str
    ca: str  # giving the CA: a file, or the contract's CA Secret
    address_map: str
    standalone: str


LIBRARY = Wording(
    password="the password argument",
    env="environment variable {}",
    file="file {}",
    from_secret="from_secret=True",
    give_password="pass the password explicitly",
    host_port="host/port",
    ca="ca_file, or ca_from_secret=True to read the contract's CA Secret",
    address_map="address_map",
    standalone="cluster=False",
)
