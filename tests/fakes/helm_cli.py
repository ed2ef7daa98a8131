"""A `helm` stand-in: records invocations and keeps releases in a JSON file.

Run through the `tests/fakes/helm/helm` shim, as a separate process, so it
imports only the standard library (PyYAML is used when importable, for
`--values` files and `-o yaml`). Environment:

* `FAKE_HELM_LOG`: JSON-lines file; one line per invocation with argv, the
  content of every `-f/--values` file (read at call time, so temporary files
  can be deleted afterwards), exit code, stdout and stderr.
* `FAKE_HELM_STATE`: JSON file with `releases` and scripted `faults`.
* `FAKE_HELM_FAIL`: comma-separated commands (`upgrade`, `list`, ... or `*`)
  that fail with `FAKE_HELM_FAIL_MESSAGE` / `FAKE_HELM_FAIL_EXIT` (default 1).
* `FAKE_HELM_VERSION`: what `helm version` reports (default v3.16.2); a v4
  version also takes helm 4's `list` flags (no `--all`; every status listed
  by default: helm pkg/action/list.go `SetStateMask`, v4.1.4 line 330, against
  v3.21.4 line 320 `ListDeployed | ListFailed`).

With a kubeconfig (`--kubeconfig` or `KUBECONFIG`) the stand-in also writes
each release revision to the API server as helm's storage Secret
(tests/fakes/helm_storage.py), so readers of that record see what real helm
would leave; an unreachable server fails like helm ("Kubernetes cluster
unreachable").

It runs the commands apply mode runs (`upgrade --install`, `list`, `history`,
`get values`, `rollback`, `uninstall`, `version`); others fail as unknown.
Outputs follow helm 3's shapes: `list -o json` items have string revisions and
`updated` like `2024-05-01 10:00:00.123456789 +0000 UTC`; `get values -o json`
prints `null` without user values; errors go to stderr as `Error: ...`.
Unknown flags and a `--timeout` without a unit fail like the real binary.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.fakes import helm_storage


def _load_yaml() -> ModuleType | None:
    # Optional: the stand-in must also run under an interpreter without PyYAML.
    try:
        return importlib.import_module("yaml")
    except ImportError:  # pragma: no cover - depends on the interpreter
        return None


YAML = _load_yaml()

DEFAULT_VERSION = "v3.16.2"
DEFAULT_CHART_VERSION = "v0.0.61-chart"

VALUE_FLAGS = {
    "-n": "namespace",
    "--namespace": "namespace",
    "--version": "version",
    "-f": "values",
    "--values": "values",
    "--timeout": "timeout",
    "-o": "output",
    "--output": "output",
    "--kube-context": "kube_context",
    "--kubeconfig": "kubeconfig",
    "--repo": "repo",
    "--description": "description",
    "--revision": "revision",
    "--history-max": "history_max",
    "--max": "max",
    "--filter": "filter",
    "-l": "selector",
    "--selector": "selector",
    "--username": "username",
    "--password": "password",
    "--ca-file": "ca_file",
    "--cert-file": "cert_file",
    "--key-file": "key_file",
    "--post-renderer": "post_renderer",
    "--registry-config": "registry_config",
    "--repository-cache": "repository_cache",
    "--repository-config": "repository_config",
    "--template": "template",
    "--time-format": "time_format",
}
BOOL_FLAGS = {
    "-i": "install",
    "--install": "install",
    "--wait": "wait",
    "--wait-for-jobs": "wait_for_jobs",
    "--atomic": "atomic",
    "--rollback-on-failure": "atomic",
    "--create-namespace": "create_namespace",
    "--dry-run": "dry_run",
    "--debug": "debug",
    "--reset-values": "reset_values",
    "--reuse-values": "reuse_values",
    "--reset-then-reuse-values": "reset_then_reuse_values",
    "--force": "force",
    "--skip-crds": "skip_crds",
    "--cleanup-on-fail": "cleanup_on_fail",
    "--devel": "devel",
    "-A": "all_namespaces",
    "--all-namespaces": "all_namespaces",
    "-a": "all",
    "--all": "all",
    "--no-hooks": "no_hooks",
    "--keep-history": "keep_history",
    "--ignore-not-found": "ignore_not_found",
    "--insecure-skip-tls-verify": "insecure",
    "--plain-http": "plain_http",
    "--take-ownership": "take_ownership",
    "--short": "short",
    "-q": "short",
    "--deployed": "deployed",
    "--failed": "failed",
    "--pending": "pending",
    "--uninstalled": "uninstalled",
    "--superseded": "superseded",
    "--no-headers": "no_headers",
    "--show-resources": "show_resources",
    "--password-stdin": "password_stdin",
}
_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class HelmError(Exception):
    """Exit with `Error: <message>` on stderr."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Args:
    positional: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def opt(self, name: str, default: str | None = None) -> str | None:
        return self.options.get(name, default)


def parse_args(argv: list[str]) -> Args:
    args = Args()
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            args.positional.extend(argv[i + 1 :])
            break
        if not token.startswith("-") or token == "-":
            args.positional.append(token)
            i += 1
            continue
        name, eq, inline = token.partition("=")
        if name in VALUE_FLAGS:
            if eq:
                value = inline
            else:
                if i + 1 >= len(argv):
                    raise HelmError(f"flag needs an argument: {name.lstrip('-')!r} in {name}")
                i += 1
                value = argv[i]
            key = VALUE_FLAGS[name]
            if key == "values":
                args.values.append(value)
            else:
                args.options[key] = value
        elif name in BOOL_FLAGS:
            # `--dry-run=server` and helm 4's `--wait=watcher` carry a value.
            args.flags.add(BOOL_FLAGS[name])
            if eq:
                args.options[BOOL_FLAGS[name]] = inline
        elif name.startswith("--"):
            raise HelmError(f"unknown flag: {name}")
        else:
            raise HelmError(f"unknown shorthand flag: {name[1]!r} in {name}")
        i += 1
    return args


# ----------------------------------------------------------------------- state


def _state_path() -> Path:
    return Path(os.environ.get("FAKE_HELM_STATE", "fake-helm-state.json"))


@contextlib.contextmanager
def locked_state(path: Path | None = None) -> Iterator[dict[str, Any]]:
    """Load, yield and save the state under an exclusive lock (helm runs may overlap)."""
    path = path or _state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "a+", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state: dict[str, Any] = (
                json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            )
            state.setdefault("releases", {})
            state.setdefault("faults", [])
            try:
                yield state
            except HelmError:
                # A helm-level failure still changes state (a failed revision,
                # a used-up scripted fault), as with the real binary.
                _save(path, state)
                raise
            _save(path, state)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _save(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def helm_time(moment: datetime) -> str:
    """`helm list`'s timestamp format (Go's time.Time String())."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f000 +0000 UTC")


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------- values


# helm reads values files with sigs.k8s.io/yaml, i.e. go-yaml v2's YAML 1.1
# resolver (gopkg.in/yaml.v2 resolve.go `resolveMapList`): y/Y/yes/on/... and
# n/N/no/off/... are booleans, and `yamlStyleFloat` makes `1e3` a number.
# PyYAML's safe loader knows neither `y`/`n` nor a float without a dot; this
# loader adds both, so the stand-in retypes values as real helm does (pinned by
# tests/helm_real: `helm template` of a YAML values file).
_GO_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF"), False),
    **{"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False},
}
_GO_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def _helm_yaml_loader() -> Any:
    if YAML is None:
        return None

    class HelmValuesLoader(YAML.SafeLoader):  # type: ignore[misc,name-defined]
        pass

    def scalar(loader: Any, node: Any) -> Any:
        value = loader.construct_scalar(node)
        if node.style is None:  # plain: the only kind go-yaml resolves
            if value in _GO_BOOLS:
                return _GO_BOOLS[value]
            if _GO_FLOAT.match(value) and not re.fullmatch(r"[-+]?[0-9]+", value):
                return float(value)
        return YAML.SafeLoader.construct_yaml_str(loader, node)

    HelmValuesLoader.add_constructor("tag:yaml.org,2002:str", scalar)
    HelmValuesLoader.add_constructor("tag:yaml.org,2002:bool", scalar)
    return HelmValuesLoader


def _load_values_file(path: str) -> tuple[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise HelmError(f"open {path}: no such file or directory") from err
    loader = _helm_yaml_loader()
    try:
        data = (
            YAML.load(text, Loader=loader)
            if YAML is not None and loader is not None
            else json.loads(text or "null")
        )
    except Exception as err:
        raise HelmError(f"failed to parse {path}: error converting YAML to JSON: {err}") from err
    if data is not None and not isinstance(data, dict):
        raise HelmError(
            f"failed to parse {path}: error unmarshaling JSON: json: cannot unmarshal "
            "into Go value of type map[string]interface {}"
        )
    return text, data or {}


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------- output


def _dump(data: Any, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data)
    if fmt == "yaml":
        if YAML is not None:
            return str(YAML.safe_dump(data, sort_keys=True)).rstrip("\n")
        return json.dumps(data, indent=2)
    raise HelmError(f"invalid format type {fmt!r}")


def _chart_of(chart_ref: str) -> str:
    return chart_ref.rstrip("/").rsplit("/", 1)[-1]


def _app_version(version: str) -> str:
    return re.sub(r"-chart$", "", version)


def list_item(rel: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": rel["name"],
        "namespace": rel["namespace"],
        "revision": str(rel["revision"]),
        "updated": rel["updated"],
        "status": rel["status"],
        "chart": f"{rel['chart_name']}-{rel['version']}",
        "app_version": rel["app_version"],
    }


def _status_text(rel: dict[str, Any]) -> str:
    deployed = datetime.strptime(rel["last_deployed"][:19], "%Y-%m-%dT%H:%M:%S")
    return "\n".join(
        [
            f"NAME: {rel['name']}",
            f"LAST DEPLOYED: {deployed.strftime('%a %b %e %H:%M:%S %Y')}",
            f"NAMESPACE: {rel['namespace']}",
            f"STATUS: {rel['status']}",
            f"REVISION: {rel['revision']}",
            "TEST SUITE: None",
        ]
    )


# -------------------------------------------------------------------- commands


@dataclass
class Outcome:
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def out(self, text: str) -> None:
        self.stdout.append(text)

    def err(self, text: str) -> None:
        self.stderr.append(text)


def _namespace(args: Args) -> str:
    return args.opt("namespace") or os.environ.get("HELM_NAMESPACE") or "default"


def _release_key(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"


def _take_fault(state: dict[str, Any], command: str) -> dict[str, Any] | None:
    env_fail = [c.strip() for c in os.environ.get("FAKE_HELM_FAIL", "").split(",") if c.strip()]
    if command in env_fail or "*" in env_fail:
        return {
            "message": os.environ.get("FAKE_HELM_FAIL_MESSAGE"),
            "exit_code": int(os.environ.get("FAKE_HELM_FAIL_EXIT", "1")),
            "release_status": "failed",
        }
    for fault in state["faults"]:
        if fault.get("command") in (command, "*") and fault.get("times", 1) != 0:
            if fault.get("times") is not None:
                fault["times"] -= 1
            return dict(fault)
    return None


def cmd_upgrade(args: Args, state: dict[str, Any], out: Outcome) -> None:
    if len(args.positional) != 2:
        raise HelmError('"helm upgrade" requires 2 arguments')
    name, chart_ref = args.positional
    timeout = args.opt("timeout")
    if timeout is not None and timeout != "0" and not _DURATION.match(timeout):
        unit_hint = (
            f'missing unit in duration "{timeout}"'
            if re.fullmatch(r"[0-9.]+", timeout)
            else f'invalid duration "{timeout}"'
        )
        raise HelmError(f'invalid argument "{timeout}" for "--timeout" flag: time: {unit_hint}')
    ns = _namespace(args)
    key = _release_key(ns, name)
    existing = state["releases"].get(key)
    installing = existing is None or existing["status"] == "uninstalled"
    prefix = "INSTALLATION FAILED" if installing else "UPGRADE FAILED"
    if not _RELEASE_NAME.match(name) or len(name) > 53:
        raise HelmError(
            f'{prefix}: release name "{name}": invalid release name, must match regex '
            "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length "
            "must not be longer than 53"
        )
    if installing and "install" not in args.flags:
        raise HelmError(f'UPGRADE FAILED: "{name}" has no deployed releases')
    if existing is not None and str(existing["status"]).startswith("pending-"):
        raise HelmError(f"{prefix}: another operation (install/upgrade/rollback) is in progress")

    supplied: dict[str, Any] = {}
    for path in args.values:
        _, data = _load_values_file(path)
        supplied = deep_merge(supplied, data)
    old_values: dict[str, Any] = (existing or {}).get("values") or {}
    if "reuse_values" in args.flags or "reset_then_reuse_values" in args.flags:
        values = deep_merge(old_values, supplied)
    elif not supplied and not installing and "reset_values" not in args.flags:
        values = old_values  # helm 3 reuses the last values when none are given
    else:
        values = supplied

    version = args.opt("version") or DEFAULT_CHART_VERSION
    chart_name = _chart_of(chart_ref)
    if chart_ref.startswith("oci://"):
        out.err(f"Pulled: {chart_ref[len('oci://') :]}:{version}")
        out.err("Digest: sha256:" + "0" * 64)
    if "dry_run" in args.flags:
        pending = "pending-install" if installing else "pending-upgrade"
        out.out(f"NAME: {name}\nNAMESPACE: {ns}\nSTATUS: {pending}")
        return

    now = _now()
    revision = 1 if existing is None else int(existing["revision"]) + 1
    rel: dict[str, Any] = {
        "name": name,
        "namespace": ns,
        "chart_ref": chart_ref,
        "chart_name": chart_name,
        "version": version,
        "app_version": _app_version(version),
        "values": values,
        "status": "deployed",
        "revision": revision,
        "updated": helm_time(now),
        "first_deployed": (existing or {}).get("first_deployed") or rfc3339(now),
        "last_deployed": rfc3339(now),
        "description": "Install complete" if installing else "Upgrade complete",
        "wait": "wait" in args.flags,
        "timeout": timeout,
        "history": list((existing or {}).get("history") or []),
    }
    fault = _take_fault(state, "upgrade")
    if fault is not None:
        delay = float(fault.get("delay") or 0)
        if delay:
            time.sleep(delay)
        message = fault.get("message") or "context deadline exceeded"
        status = fault.get("release_status", "failed")
        if status in ("pending-install", "pending-upgrade"):
            # helm killed half-way (a cancelled CI job): the revision it recorded
            # first stays pending (helm pkg/action/upgrade.go stores the new
            # release as pending-upgrade before touching resources; install.go
            # likewise pending-install), and the previous one stays deployed.
            rel["status"] = "pending-install" if installing else "pending-upgrade"
            rel["description"] = "Initial install underway" if installing else "Preparing upgrade"
            history = list(rel.get("history") or [])
            if existing is not None and not installing:
                history = [h for h in history if h["revision"] != existing["revision"]]
                history.append(_history_entry(existing))
            rel["history"] = history
            state["releases"][key] = rel
        elif status:
            atomic = "atomic" in args.flags
            if atomic and installing:
                state["releases"].pop(key, None)
                raise HelmError(
                    f"{prefix}: release {name} failed, and has been uninstalled due to "
                    f"atomic being set: {message}",
                    int(fault.get("exit_code", 1)),
                )
            rel["status"] = "failed"
            rel["description"] = (
                f'{"Release" if installing else "Upgrade"} "{name}" failed: {message}'
            )
            _store(state, key, rel)
            if atomic and existing is not None:
                restored = dict(existing, revision=revision + 1, status="deployed")
                restored["description"] = f"Rollback to {existing['revision']}"
                restored["history"] = rel["history"]
                _store(state, key, restored)
                raise HelmError(
                    f"{prefix}: release {name} failed, and has been rolled back due to "
                    f"atomic being set: {message}",
                    int(fault.get("exit_code", 1)),
                )
        raise HelmError(f"{prefix}: {message}", int(fault.get("exit_code", 1)))

    _store(state, key, rel)
    if installing:
        out.out(f'Release "{name}" does not exist. Installing it now.')
    elif not installing:
        out.out(f'Release "{name}" has been upgraded. Happy Helming!')
    out.out(_status_text(rel))


def _store(state: dict[str, Any], key: str, rel: dict[str, Any]) -> None:
    previous = state["releases"].get(key)
    history = list(rel.get("history") or [])
    if previous is not None and previous.get("status") == "deployed":
        previous_entry = _history_entry(previous)
        previous_entry["status"] = "superseded"
        history = [h for h in history if h["revision"] != previous["revision"]] + [previous_entry]
    rel["history"] = history
    state["releases"][key] = rel


def _history_entry(rel: dict[str, Any]) -> dict[str, Any]:
    return {
        "revision": rel["revision"],
        "updated": rfc3339(datetime.strptime(rel["updated"][:26], "%Y-%m-%d %H:%M:%S.%f")),
        "status": rel["status"],
        "chart": f"{rel['chart_name']}-{rel['version']}",
        "app_version": rel["app_version"],
        "description": rel["description"],
        "values": rel.get("values") or {},
        # Not printed by `helm history`; kept to write the revision's storage Secret.
        "chart_name": rel["chart_name"],
        "version": rel["version"],
        "first_deployed": rel["first_deployed"],
        "last_deployed": rel["last_deployed"],
    }


_HISTORY_ONLY = ("values", "chart_name", "version", "first_deployed", "last_deployed")


def storage_records(rel: dict[str, Any]) -> list[dict[str, Any]]:
    """Every stored revision of `rel` as helm's release JSON (helm_storage.release_record)."""
    records = []
    for entry in [*rel.get("history", []), _history_entry(rel)]:
        records.append(
            helm_storage.release_record(
                name=rel["name"],
                namespace=rel["namespace"],
                revision=int(entry["revision"]),
                status=str(entry["status"]),
                chart_name=str(entry.get("chart_name") or rel["chart_name"]),
                version=str(entry.get("version") or rel["version"]),
                app_version=str(entry["app_version"]),
                values=entry.get("values") or {},
                first_deployed=str(entry.get("first_deployed") or rel["first_deployed"]),
                last_deployed=str(entry.get("last_deployed") or entry["updated"]),
                description=str(entry["description"]),
            )
        )
    return records


def _find(state: dict[str, Any], args: Args, what: str) -> dict[str, Any]:
    if len(args.positional) != 1:
        raise HelmError(f'"helm {what}" requires 1 argument')
    rel = state["releases"].get(_release_key(_namespace(args), args.positional[0]))
    if rel is None or rel["status"] == "uninstalled":
        raise HelmError("release: not found")
    return dict(rel)


def _helm_major() -> int:
    version = os.environ.get("FAKE_HELM_VERSION", DEFAULT_VERSION)
    return int(version.lstrip("v").split(".")[0])


def cmd_list(args: Args, state: dict[str, Any], out: Outcome) -> None:
    helm4 = _helm_major() >= 4
    if helm4 and "all" in args.flags:
        raise HelmError("unknown flag: --all")
    ns = None if "all_namespaces" in args.flags else _namespace(args)
    wanted = {
        s for s in ("deployed", "failed", "pending", "uninstalled", "superseded") if s in args.flags
    }
    rels = []
    for rel in state["releases"].values():
        if ns is not None and rel["namespace"] != ns:
            continue
        status = str(rel["status"])
        group = "pending" if status.startswith("pending-") else status
        if "all" in args.flags or (helm4 and not wanted):
            if status == "uninstalled":
                continue
        elif wanted:
            if group not in wanted:
                continue
        elif group not in ("deployed", "failed"):
            # helm list shows only deployed and failed releases by default.
            continue
        pattern = args.opt("filter")
        if pattern and not re.search(pattern, rel["name"]):
            continue
        rels.append(rel)
    rels.sort(key=lambda r: (r["name"], r["namespace"]))
    out.out(_dump([list_item(r) for r in rels], str(args.opt("output", "json"))))


def cmd_get(args: Args, state: dict[str, Any], out: Outcome) -> None:
    if not args.positional:
        raise HelmError('"helm get" requires a subcommand')
    sub, rest = args.positional[0], args.positional[1:]
    args = Args(rest, args.values, args.options, args.flags)
    rel = _find(state, args, f"get {sub}")
    if sub == "values":
        values = rel["values"] or None
        fmt = args.opt("output", "table")
        if fmt in ("json", "yaml"):
            out.out(_dump(values, str(fmt)))
        else:
            label = "COMPUTED VALUES:" if "all" in args.flags else "USER-SUPPLIED VALUES:"
            out.out(label + "\n" + _dump(values, "yaml"))
    else:
        raise HelmError(f'unknown command {sub!r} for "helm get"')


def cmd_history(args: Args, state: dict[str, Any], out: Outcome) -> None:
    rel = _find(state, args, "history")
    entries = [
        {k: v for k, v in h.items() if k not in _HISTORY_ONLY}
        for h in [*rel.get("history", []), _history_entry(rel)]
    ]
    out.out(_dump(entries, args.opt("output", "json") or "json"))


def cmd_uninstall(args: Args, state: dict[str, Any], out: Outcome) -> None:
    if not args.positional:
        raise HelmError('"helm uninstall" requires at least 1 argument')
    ns = _namespace(args)
    for name in args.positional:
        key = _release_key(ns, name)
        rel = state["releases"].get(key)
        if rel is None or rel["status"] == "uninstalled":
            if "ignore_not_found" in args.flags:
                out.out(f'release "{name}" not found')
                continue
            raise HelmError(f"uninstall: Release not loaded: {name}: release: not found")
        fault = _take_fault(state, "uninstall")
        if fault is not None:
            reason = fault.get("message") or "context deadline exceeded"
            raise HelmError(
                f"uninstallation completed with 1 error(s): {reason}",
                int(fault.get("exit_code", 1)),
            )
        if "keep_history" in args.flags:
            rel["status"] = "uninstalled"
        else:
            del state["releases"][key]
        out.out(f'release "{name}" uninstalled')


def cmd_rollback(args: Args, state: dict[str, Any], out: Outcome) -> None:
    if not args.positional:
        raise HelmError('"helm rollback" requires at least 1 argument')
    name = args.positional[0]
    rel = _find(state, Args([name], options=args.options), "rollback")
    history = rel.get("history") or []
    # helm pkg/action/rollback.go (v4.1.4 lines 119-194): the target defaults to
    # the current revision - 1 and must exist; a pending current revision is no
    # obstacle. The new revision takes the target's chart and values; the
    # current one and every deployed one become superseded (lines 238, 290-300).
    target_rev = (
        int(args.positional[1])
        if len(args.positional) > 1 and args.positional[1] != "0"
        else int(rel["revision"]) - 1
    )
    target = next((h for h in history if int(h["revision"]) == target_rev), None)
    if target is None:
        raise HelmError(f"release has no {target_rev} version")
    key = _release_key(rel["namespace"], name)
    current = _history_entry(rel)
    current["status"] = "superseded"
    kept = [
        dict(h, status="superseded") if h["status"] == "deployed" else h
        for h in history
        if h["revision"] != rel["revision"]
    ]
    new = dict(rel)
    new.update(
        values=target["values"],
        chart_name=target.get("chart_name") or rel["chart_name"],
        version=target.get("version") or rel["version"],
        app_version=target["app_version"],
        revision=int(rel["revision"]) + 1,
        status="deployed",
        description=f"Rollback to {target['revision']}",
        updated=helm_time(_now()),
        last_deployed=rfc3339(_now()),
        history=[*kept, current],
    )
    state["releases"][key] = new
    out.out("Rollback was a success! Happy Helming!")


def run(argv: list[str], out: Outcome) -> int:
    args = parse_args(argv)
    if not args.positional:
        out.out("The Kubernetes package manager (fake)")
        return 0
    command, args.positional = args.positional[0], args.positional[1:]
    if command == "version":
        version = os.environ.get("FAKE_HELM_VERSION", DEFAULT_VERSION)
        if "short" in args.flags:
            out.out(f"{version}+g0000000")
        else:
            out.out(
                f'version.BuildInfo{{Version:"{version}", GitCommit:"0000000", '
                'GitTreeState:"clean", GoVersion:"go1.22.7"}'
            )
        return 0
    handlers = {
        "upgrade": cmd_upgrade,
        "list": cmd_list,
        "ls": cmd_list,
        "get": cmd_get,
        "history": cmd_history,
        "uninstall": cmd_uninstall,
        "delete": cmd_uninstall,
        "un": cmd_uninstall,
        "rollback": cmd_rollback,
    }
    handler = handlers.get(command)
    if handler is None:
        raise HelmError(
            f'unknown command "{command}" for "helm" (the fake supports: '
            + ", ".join(sorted(handlers))
            + ")"
        )
    writer = _api_writer(args)
    with locked_state() as state:
        if command not in ("upgrade", "install", "uninstall", "delete", "un"):
            fault = _take_fault(state, command)
            if fault is not None:
                raise HelmError(
                    fault.get("message") or f"{command} failed", int(fault.get("exit_code", 1))
                )
        try:
            handler(args, state, out)
        finally:
            if writer is not None and command in _WRITERS and args.positional:
                if "create_namespace" in args.flags and "dry_run" not in args.flags:
                    _guard(lambda: writer.ensure_namespace(_namespace(args)))
                _sync(writer, state, _namespace(args), args.positional[0])
    return 0


_WRITERS = ("upgrade", "install", "uninstall", "delete", "un", "rollback")


def _api_writer(args: Args) -> helm_storage.ApiWriter | None:
    """The API server helm would talk to, when a kubeconfig names one."""
    path = args.opt("kubeconfig") or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
    if not path or YAML is None:
        return None
    try:
        document = YAML.safe_load(Path(path).read_text(encoding="utf-8"))
        return helm_storage.ApiWriter.from_kubeconfig(document, args.opt("kube_context"))
    except (OSError, StopIteration, KeyError, TypeError) as err:
        raise HelmError(
            f"kubernetes cluster unreachable: invalid kubeconfig {path}: {err}"
        ) from err


def _sync(writer: helm_storage.ApiWriter, state: dict[str, Any], namespace: str, name: str) -> None:
    rel = state["releases"].get(_release_key(namespace, name))
    records = [] if rel is None else storage_records(rel)
    _guard(lambda: writer.sync(namespace, name, [helm_storage.release_secret(r) for r in records]))


def _guard(step: Callable[[], None]) -> None:
    try:
        step()
    except helm_storage.ClusterUnreachableError as err:
        raise HelmError(f"Kubernetes cluster unreachable: {err}") from err


def _log(argv: list[str], code: int, out: Outcome) -> None:
    log_path = os.environ.get("FAKE_HELM_LOG")
    if not log_path:
        return
    values_files: list[dict[str, str | None]] = []
    args: Args | None
    try:
        args = parse_args(argv)
    except HelmError:
        args = None
    for path in args.values if args is not None else []:
        try:
            values_files.append({"path": path, "content": Path(path).read_text(encoding="utf-8")})
        except OSError:
            values_files.append({"path": path, "content": None})
    entry = {
        "argv": argv,
        "values_files": values_files,
        "env": {
            k: os.environ[k]
            for k in ("KUBECONFIG", "HELM_NAMESPACE", "HELM_KUBECONTEXT")
            if k in os.environ
        },
        "cwd": os.getcwd(),
        "exit_code": code,
        "stdout": "\n".join(out.stdout),
        "stderr": "\n".join(out.stderr),
        "time": rfc3339(_now()),
    }
    with open(log_path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(json.dumps(entry) + "\n")


def main(argv: list[str]) -> int:
    out = Outcome()
    code = 70  # stays so only if the stand-in itself crashes (the log says so)
    try:
        code = run(argv, out)
    except HelmError as err:
        out.err(f"Error: {err}")
        code = err.exit_code
    finally:
        _log(argv, code, out)
    if out.stdout:
        sys.stdout.write("\n".join(out.stdout) + "\n")
    if out.stderr:
        sys.stderr.write("\n".join(out.stderr) + "\n")
    return code
