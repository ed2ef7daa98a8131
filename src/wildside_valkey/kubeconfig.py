"""Where the cluster is, found the way kubectl finds it: one function for every command.

Apply, ``plan``/``destroy``, ``check --from-secret`` and ``connect(...,
from_secret=True)`` all call ``find_cluster``, so they reach the same cluster in
the same order:

1. an explicit kubeconfig file (``--kubeconfig``);
2. ``KUBECONFIG``: every listed file, merged as kubectl merges them
   (client-go ``tools/clientcmd/loader.go``: files that do not exist are
   skipped; for clusters, users and contexts the first file to define a name
   wins; the first file to set ``current-context`` wins; relative file paths
   resolve against the file that holds them);
3. ``~/.kube/config``;
4. the in-cluster service account (``KUBERNETES_SERVICE_HOST`` and the
   mounted token), as kubectl falls back to it when no kubeconfig exists.

Every way this can be wrong is bad input (exit 2) naming the files, the context
and the contexts that exist.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from lightkube import ConfigError, KubeConfig, SingleConfig
from lightkube.config.kubeconfig import SERVICE_ACCOUNT
from lightkube.config.models import Cluster, User

from .errors import BadInputError
from .reading import InputFileError, read_text
from .variables.yaml_text import (
    NotAMappingError,
    error_position,
    error_problem,
    load_yaml_mapping,
)

DEFAULT_KUBECONFIG = Path("~/.kube/config")
# Fields holding file paths, resolved against the file that defines them
# (client-go clientcmd ResolvePaths / GetClusterFileReferences, GetAuthInfoFileReferences).
_CLUSTER_FILES = ("certificate-authority",)
_USER_FILES = ("client-certificate", "client-key", "tokenFile")


class KubeconfigError(BadInputError):
    """The kubeconfig is missing, unreadable, or lacks the context asked for (exit 2)."""


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """The resolved cluster: lightkube's configuration and where it came from."""

    config: SingleConfig
    source: str  # for messages: the kubeconfig file(s), or the service account
    # The kubeconfig files read, in order (empty for the service account). One
    # file can be handed to helm as --kubeconfig; several only through KUBECONFIG.
    files: tuple[Path, ...] = ()
    from_environment: bool = False


def find_cluster(
    kubeconfig: str | Path | None = None,
    context: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    service_account: str | Path = SERVICE_ACCOUNT,
) -> ClusterConfig:
    env = os.environ if environ is None else environ
    paths, from_environment = kubeconfig_files(kubeconfig, env)
    if not paths and context is None and _in_cluster(env, Path(service_account)):
        return _service_account(Path(service_account), env)
    if not paths:
        raise KubeconfigError(
            "no Kubernetes configuration found: pass --kubeconfig FILE, set KUBECONFIG, "
            f"create {DEFAULT_KUBECONFIG}, or run inside a cluster with a service account"
        )
    source = _describe(paths)
    documents = [(path, _load(path)) for path in paths]
    # One file is read as it is (lightkube resolves its relative paths itself).
    document = dict(documents[0][1]) if len(documents) == 1 else merge_documents(documents)
    config = _parse(document, paths[0], source)
    single = _select(config, source, context)
    return ClusterConfig(single, source, tuple(paths), from_environment)


def kubeconfig_files(
    explicit: str | Path | None, env: Mapping[str, str]
) -> tuple[list[Path], bool]:
    """The files to read, and whether they came from ``KUBECONFIG``."""
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.exists():  # anything else there is refused by the bounded reader
            raise KubeconfigError(f"kubeconfig {path} not found")
        return [path], False
    listed = [item for item in env.get("KUBECONFIG", "").split(os.pathsep) if item]
    if listed:
        unique = list(dict.fromkeys(Path(item).expanduser() for item in listed))
        existing = [path for path in unique if path.is_file()]
        if not existing:
            raise KubeconfigError(
                f"none of the files in KUBECONFIG exists: {', '.join(map(str, unique))}"
            )
        return existing, True
    default = DEFAULT_KUBECONFIG.expanduser()
    return ([default], False) if default.is_file() else ([], False)


def merge_documents(documents: Sequence[tuple[Path, Mapping[str, Any]]]) -> dict[str, Any]:
    """kubectl's merge: the first definition of each named entry, and of current-context, wins."""
    merged: dict[str, Any] = {"apiVersion": "v1", "kind": "Config"}
    for section, files in (("clusters", _CLUSTER_FILES), ("users", _USER_FILES), ("contexts", ())):
        entries: dict[str, Any] = {}
        for path, document in documents:
            for entry in document.get(section) or []:
                name = entry.get("name") if isinstance(entry, Mapping) else None
                if isinstance(name, str) and name not in entries:
                    entries[name] = _resolve(entry, section, files, path.parent)
        merged[section] = list(entries.values())
    current = next(
        (d.get("current-context") for _, d in documents if d.get("current-context")), None
    )
    if current:
        merged["current-context"] = current
    return merged


def _resolve(entry: Mapping[str, Any], section: str, files: tuple[str, ...], base: Path) -> Any:
    key = section[:-1]  # "clusters" -> "cluster", "users" -> "user", "contexts" -> "context"
    body = entry.get(key)
    if not isinstance(body, Mapping) or not files:
        return dict(entry)
    resolved = dict(body)
    for field in files:
        value = resolved.get(field)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            resolved[field] = str(base / value)
    return {**entry, key: resolved}


def _describe(paths: Sequence[Path]) -> str:
    if len(paths) == 1:
        return str(paths[0])
    return " + ".join(map(str, paths)) + " (merged from KUBECONFIG)"


def _in_cluster(env: Mapping[str, str], account: Path) -> bool:
    return bool(env.get("KUBERNETES_SERVICE_HOST")) and (account / "token").is_file()


def _service_account(account: Path, env: Mapping[str, str]) -> ClusterConfig:
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
    return ClusterConfig(config, f"the service account in {account}")


def _load(path: Path) -> Mapping[str, Any]:
    try:
        # The bounded reader and the one YAML reader: a FIFO or an alias bomb given as a
        # kubeconfig is refused, not waited on or expanded.
        # An empty file adds nothing (kubectl reads it as an empty config).
        return load_yaml_mapping(read_text(path, what="kubeconfig"))
    except InputFileError as error:
        raise KubeconfigError(str(error)) from error
    except yaml.YAMLError as error:
        where = error_position(error)
        raise KubeconfigError(
            f"kubeconfig {path} is not valid: {error_problem(error)}{where}"
        ) from error
    except NotAMappingError:
        raise KubeconfigError(f"kubeconfig {path} is not valid: not a YAML mapping") from None


def _parse(document: dict[str, Any], first: Path, source: str) -> KubeConfig:
    try:
        return KubeConfig.from_dict(document, fname=first)
    except KeyError as error:
        raise KubeconfigError(f"kubeconfig {source} is not valid: missing {error}") from error
    except (ConfigError, TypeError, ValueError, AttributeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise KubeconfigError(f"kubeconfig {source} is not valid: {reason}") from error


def _select(config: KubeConfig, source: str, context: str | None) -> SingleConfig:
    available = ", ".join(sorted(config.contexts)) or "none"
    name = context or config.current_context
    if name is None:
        raise KubeconfigError(
            f"kubeconfig {source} sets no current-context: pass --context "
            f"(available contexts: {available})"
        )
    if name not in config.contexts:
        why = "" if context else " (its current-context)"
        raise KubeconfigError(
            f'context "{name}"{why} is not in kubeconfig {source}; available contexts: {available}'
        )
    try:
        single = config.get(name)
    except KeyError as error:
        raise KubeconfigError(
            f'context "{name}" in kubeconfig {source} refers to {error}, which is not defined'
        ) from error
    except ConfigError as error:
        raise KubeconfigError(f"kubeconfig {source}: {error}") from error
    assert single is not None  # get() only returns None with a default
    _check_server(single, source, name)
    return single


def _check_server(single: SingleConfig, source: str, context: str) -> None:
    """A server that is not an http(s) URL is bad input, not a connection to retry."""
    server = str(single.cluster.server or "")
    try:
        parsed = urlsplit(server)
        _ = parsed.port  # raises ValueError for a port that is not a number
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise KubeconfigError(
            f'kubeconfig {source}: the server of context "{context}" is {server!r}, which is '
            "not an http:// or https:// URL such as https://10.0.0.1:6443"
        )
