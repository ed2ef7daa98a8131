"""Where the cluster is: a kubeconfig file and context, or the in-cluster service account.

Like kubectl: ``--kubeconfig``, else ``KUBECONFIG`` (its first file), else
``~/.kube/config``, else the service account mounted into a pod. Every way this
can be wrong is bad input (exit 2) with the file, the context and what exists.
Helm is pointed at the same file and context, so both talk to one cluster.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from lightkube import ConfigError, KubeConfig, SingleConfig
from lightkube.config.kubeconfig import SERVICE_ACCOUNT
from lightkube.config.models import Cluster, User

from ..errors import BadInputError
from ..reading import InputFileError, read_text
from ..variables.yaml_text import error_position, load_yaml
from .release import HelmTarget

DEFAULT_KUBECONFIG = Path("~/.kube/config")


class KubeconfigError(BadInputError):
    """The kubeconfig is missing, unreadable, or lacks the context asked for (exit 2)."""


@dataclass(frozen=True, slots=True)
class Connection:
    """A resolved cluster: lightkube's configuration, and the same target for helm."""

    config: SingleConfig
    source: str  # for messages: the kubeconfig file, or the service account
    helm: HelmTarget

    @property
    def server(self) -> str:
        return str(self.config.cluster.server)

    @property
    def context(self) -> str:
        return str(self.config.context_name)

    def describe(self) -> str:
        return f"{self.server} (context {self.context!r} from {self.source})"


def load_connection(
    kubeconfig: str | Path | None = None,
    context: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    service_account: str | Path = SERVICE_ACCOUNT,
) -> Connection:
    env = os.environ if environ is None else environ
    path = _kubeconfig_path(kubeconfig, env)
    if path is None and context is None and _in_cluster(env, Path(service_account)):
        return _service_account(Path(service_account), env)
    if path is None:
        raise KubeconfigError(
            "no Kubernetes configuration found: pass --kubeconfig FILE, set KUBECONFIG, "
            f"create {DEFAULT_KUBECONFIG}, or run inside a cluster with a service account"
        )
    config = _read(path)
    single = _select(config, path, context)
    return Connection(single, str(path), HelmTarget(str(path), single.context_name))


def _kubeconfig_path(explicit: str | Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit is not None:
        return Path(explicit).expanduser()
    listed = [item for item in env.get("KUBECONFIG", "").split(os.pathsep) if item]
    if listed:
        # kubectl merges every listed file; the first one is what most setups mean.
        return Path(listed[0]).expanduser()
    default = DEFAULT_KUBECONFIG.expanduser()
    return default if default.is_file() else None


def _in_cluster(env: Mapping[str, str], account: Path) -> bool:
    return bool(env.get("KUBERNETES_SERVICE_HOST")) and (account / "token").is_file()


def _service_account(account: Path, env: Mapping[str, str]) -> Connection:
    # What KubeConfig.from_service_account does, with the environment passed in.
    token_file = account / "token"
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise KubeconfigError(f"cannot use the in-cluster service account: {error}") from error
    host, port = env.get("KUBERNETES_SERVICE_HOST", ""), env.get("KUBERNETES_SERVICE_PORT", "443")
    host = f"[{host}]" if ":" in host else host
    cluster = Cluster(server=f"https://{host}:{port}", certificate_auth=str(account / "ca.crt"))
    config = KubeConfig.from_one(
        cluster=cluster, user=User(token=token, token_file=str(token_file))
    ).get()
    assert config is not None  # from_one always sets its current context
    return Connection(config, f"the service account in {account}", HelmTarget())


def _read(path: Path) -> KubeConfig:
    if not path.exists():
        raise KubeconfigError(f"kubeconfig {path} not found")
    try:
        # The bounded reader and the one YAML reader: a FIFO or an alias bomb given as a
        # kubeconfig is refused, not waited on or expanded.
        document = load_yaml(read_text(path, what="kubeconfig"))
    except InputFileError as error:
        raise KubeconfigError(str(error)) from error
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "syntax error"
        raise KubeconfigError(
            f"kubeconfig {path} is not valid: {problem}{error_position(error)}"
        ) from error
    if not isinstance(document, dict):
        raise KubeconfigError(f"kubeconfig {path} is not valid: not a YAML mapping")
    try:
        return KubeConfig.from_dict(document, fname=path)
    except KeyError as error:
        raise KubeconfigError(f"kubeconfig {path} is not valid: missing {error}") from error
    except (ConfigError, TypeError, ValueError, AttributeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise KubeconfigError(f"kubeconfig {path} is not valid: {reason}") from error


def _select(config: KubeConfig, path: Path, context: str | None) -> SingleConfig:
    available = ", ".join(sorted(config.contexts)) or "none"
    name = context or config.current_context
    if name is None:
        raise KubeconfigError(
            f"kubeconfig {path} sets no current-context: pass --context "
            f"(available contexts: {available})"
        )
    if name not in config.contexts:
        source = "" if context else " (its current-context)"
        raise KubeconfigError(
            f'context "{name}"{source} is not in kubeconfig {path}; available contexts: {available}'
        )
    try:
        single = config.get(name)
    except KeyError as error:
        raise KubeconfigError(
            f'context "{name}" in kubeconfig {path} refers to {error}, which is not defined'
        ) from error
    except ConfigError as error:
        raise KubeconfigError(f"kubeconfig {path}: {error}") from error
    assert single is not None  # get() only returns None with a default
    _check_server(single, path, name)
    return single


def _check_server(single: SingleConfig, path: Path, context: str) -> None:
    """A server that is not an http(s) URL is bad input, not a connection to retry."""
    server = str(single.cluster.server or "")
    try:
        parsed = urlsplit(server)
        port = parsed.port  # raises ValueError for a port that is not a number
    except ValueError:
        parsed, port = None, None
    if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise KubeconfigError(
            f'kubeconfig {path}: the server of context "{context}" is {server!r}, which is '
            "not an http:// or https:// URL such as https://10.0.0.1:6443"
        )
    del port
