"""Find the password for the cluster, from the first source that has one.

Precedence: the explicit argument, then an environment variable, then a
mounted file, then (only when asked) the Kubernetes Secret the contract names.
The order follows how a workload usually gets secrets: tests and scripts pass
them, Deployments map the Secret into an env var or a volume, and operators'
laptops may read the Secret through their kubeconfig.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wildside_valkey.errors import PasswordMissingError, PasswordSourceError
from wildside_valkey.workload.contract_view import ContractView, SecretRef
from wildside_valkey.workload.wording import LIBRARY, Wording

DEFAULT_PASSWORD_ENV = "VALKEY_PASSWORD"
# Where a Deployment mounts the contract's Secret (a projected volume may put
# the CA next to it as ``ca.crt``).
DEFAULT_SECRETS_DIR = Path("/var/run/secrets/valkey")
DEFAULT_PASSWORD_FILE = DEFAULT_SECRETS_DIR / "password"

SecretReader = Callable[[SecretRef], bytes]


@dataclass(frozen=True, slots=True)
class Password:
    """A password and where it came from; ``repr`` and ``str`` show only the source."""

    value: str = field(repr=False)
    source: str

    def __str__(self) -> str:
        return f"password from {self.source}"


@dataclass(frozen=True, slots=True)
class PasswordSources:
    """Where to look for the password, in precedence order; ``None`` switches a source off."""

    password: str | None = field(default=None, repr=False)
    env: str | None = DEFAULT_PASSWORD_ENV
    file: Path | None = DEFAULT_PASSWORD_FILE
    from_secret: bool = False
    wording: Wording = LIBRARY  # how a message names these sources (the CLI names its options)


def resolve_password(
    view: ContractView,
    sources: PasswordSources,
    read_secret: SecretReader,
    environ: Mapping[str, str] | None = None,
) -> Password | None:
    """Return the password to send, or None when the contract says auth is anonymous.

    An explicit password is still sent to an anonymous cluster: the caller
    knows better than a contract that may be stale.
    """
    if sources.password:
        return Password(sources.password, "the password argument")
    if view.credentials is None:
        return None
    env = os.environ if environ is None else environ
    words = sources.wording
    tried = [] if words.password is None else [f"{words.password}: not given"]
    if sources.env:
        value = env.get(sources.env)
        if value:
            return Password(value, f"environment variable {sources.env}")
        tried.append(f"{words.env.format(sources.env)}: {'empty' if value == '' else 'not set'}")
    if sources.file:
        found = _read_password_file(sources.file)
        if isinstance(found, Password):
            return found
        tried.append(f"{words.file.format(sources.file)}: {found}")
    ref = view.credentials
    if sources.from_secret:
        return Password(_decode(read_secret(ref), ref), str(ref))
    tried.append(f"{ref}: not read ({words.from_secret} reads it)")
    raise PasswordMissingError(tried)


def _read_password_file(path: Path) -> Password | str:
    """The password in ``path``, or why there is none (a reason, never the content)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return "does not exist"
    except (OSError, UnicodeDecodeError) as exc:
        # The file is there but unusable: skipping it would hide a broken mount.
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise PasswordSourceError(f"cannot read the password file {path}: {reason}") from exc
    # Files written by `echo` or an editor end with a newline that is not part
    # of the password; Kubernetes Secret mounts have none.
    value = text.rstrip("\r\n")
    if not value:
        return "empty"
    return Password(value, f"file {path}")


def _decode(raw: bytes, ref: SecretRef) -> str:
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PasswordSourceError(f"{ref} is not UTF-8 text") from exc
    if not value:
        raise PasswordSourceError(f"{ref} is empty")
    return value
