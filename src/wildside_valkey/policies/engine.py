"""Evaluate the Rego pack in-process with regopy (rego-cpp).

The pack is compiled once per process into a regopy bundle holding one query that binds
every ``deny`` and ``warn`` rule set of every package in :data:`~.pack.PACKAGES`; each
evaluation only sets the input and runs that bundle (a plain ``Interpreter.query`` would
recompile the modules every time, about five times slower).

The input document is the one ``conftest test --combine`` builds, so the same rules run
under conftest unchanged::

    [{"path": "operator/helmrelease.yaml", "contents": [<document>, ...]}, ...]

Two regopy quirks shape this module. The input is passed as JSON text, not as
``regopy.Input``: ``Input`` copies Python strings unescaped, and a quote or backslash in any
value then breaks the JSON rego-cpp returns. With JSON text, values stay escaped end to end;
the price is that inside the rules a string holding a quote, backslash or control character
is seen in its escaped form, which no rule compares against. And rego-cpp reports runtime
errors as a non-JSON result rather than an exception, which surfaces here as a decoding
error and is wrapped in :class:`~wildside_valkey.errors.OperationError`.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wildside_valkey.errors import BadInputError, OperationError

from .loader import load_paths
from .model import Finding, ManifestFile, Report, Severity
from .pack import PACKAGE_ROOT, PACKAGES, package_of, rego_sources
from .partition import batches

_SEVERITY_ORDER = {Severity.DENY: 0, Severity.WARN: 1}


def rule_sets(sources: Mapping[str, str]) -> tuple[tuple[str, Severity], ...]:
    """(package, severity) for every rule set the pack defines, in :data:`PACKAGES` order.

    Derived from the sources because a query naming an undefined rule set (a package with no
    warn rule, say) would be undefined as a whole.
    """
    defined = {
        (package_of(text), severity)
        for text in sources.values()
        for severity in Severity
        if re.search(rf"^{severity.value} contains ", text, re.MULTILINE)
    }
    return tuple((p, s) for p in PACKAGES for s in Severity if (p, s) in defined)


def _binding(package: str, severity: Severity) -> str:
    return f"{package.removeprefix(PACKAGE_ROOT + '.')}_{severity.value}"


def _query(sets: Sequence[tuple[str, Severity]]) -> str:
    # One binding per rule set, each a static reference: rego-cpp evaluates these about three
    # times faster than one comprehension over data.wildside_valkey[p][s], which makes it
    # evaluate every rule and helper of the whole tree once per (p, s).
    return "; ".join(f"{_binding(p, s)} := data.{p}.{s.value}" for p, s in sets)


@dataclass(slots=True)
class _CompiledPack:
    interpreter: Any
    bundle: Any
    rule_sets: tuple[tuple[str, Severity], ...]
    error: type[Exception]
    # One interpreter holds one input at a time: setting it and querying must not interleave.
    lock: threading.Lock


@functools.cache
def compiled_pack() -> _CompiledPack:
    """Compile the pack once per process (later calls return the same compiled pack)."""
    _check_address_space()
    # Imported here so that importing this package (for its types, the loader or the report)
    # does not load the Rego engine: start-up time matters to the CLI's fast paths.
    import regopy  # noqa: PLC0415

    sources = rego_sources()
    sets = rule_sets(sources)
    interpreter = regopy.Interpreter()
    try:
        for name, source in sources.items():
            interpreter.add_module(name, source)
        bundle = interpreter.build(_query(sets))
    except regopy.RegoError as error:
        raise OperationError(f"the policy pack does not compile: {error}") from error
    if not bundle.ok():
        raise OperationError("the policy pack does not compile (regopy built no bundle)")
    # Free the interpreter while regopy is still intact: left to interpreter shutdown, its
    # __del__ runs after regopy's module globals are gone and prints "Exception ignored".
    atexit.register(compiled_pack.cache_clear)
    return _CompiledPack(
        interpreter=interpreter,
        bundle=bundle,
        rule_sets=sets,
        error=regopy.RegoError,
        lock=threading.Lock(),
    )


def _check_address_space() -> None:
    """Refuse cleanly where the Rego engine would abort the process at start.

    rego-cpp's allocator (snmalloc) reserves a few hundred GiB of address space when it
    starts, though it uses little of it; under ``ulimit -v`` that reservation fails and
    the process aborts (SIGABRT) before Python can say anything. So where an address
    space limit is set, a child process tries first.
    """
    import resource  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return
    probe = subprocess.run(
        [sys.executable, "-c", "import regopy; regopy.Interpreter()"],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if probe.returncode != 0:
        raise OperationError(
            f"the policy engine cannot start under the address space limit (ulimit -v) of "
            f"{soft // (1024 * 1024):,} MiB: rego-cpp's allocator reserves a few hundred GiB "
            "of address space up front (it uses far less memory); bound the resident memory "
            "instead (a cgroup: systemd-run -p MemoryMax=..., docker run --memory=...)"
        )


def policy_input(files: Sequence[ManifestFile]) -> list[dict[str, Any]]:
    """The input document for a manifest set: conftest's ``--combine`` shape."""
    return [{"path": f.path, "contents": list(f.documents)} for f in files]


def evaluate_files(files: Sequence[ManifestFile]) -> Report:
    """Evaluate every rule of the pack over one manifest set.

    A large set is evaluated in closed batches (see :mod:`.partition`), which keeps the
    time linear in the number of files; the findings are those of the whole set.
    """
    read = _kinds_read()
    relevant = [
        ManifestFile(path=f.path, documents=tuple(d for d in f.documents if _is_read(d, read)))
        for f in files
    ]
    try:
        found: set[Finding] = set()
        for batch in batches(relevant):
            found.update(_run(_encode(batch)))
    except MemoryError:
        raise OperationError(
            f"policy evaluation ran out of memory over {len(files)} files; give fewer "
            "files or folders at a time, or raise the memory limit"
        ) from None
    return Report(files=tuple(f.path for f in files), findings=_sorted(found))


_OBJECTS_OF = re.compile(r'objects_of\("(?P<group>[^"]*)", (?:"(?P<kind>[^"]*)"|[^)]*)\)')


@functools.cache
def _kinds_read() -> frozenset[tuple[str, str]]:
    """(API group, kind) of every object the pack looks at, read from its sources; a kind
    ``*`` stands for any kind of the group (a rule that takes the kind from a reference).

    Documents of other kinds (Namespaces, kustomize's own Kustomization files, ...) are
    dropped before evaluation: no rule reads them, and they were 60% of a rendered tree.
    The rules reach objects only through ``lib.objects_of`` (and ``lib.manifests`` for Flux
    sources, a group listed here too), which ``test_policy_partition`` keeps true.
    """
    read = {
        (match["group"], match["kind"] if match["kind"] is not None else "*")
        for text in rego_sources().values()
        for match in _OBJECTS_OF.finditer(text)
    }
    return frozenset(read)


def _is_read(document: Mapping[str, Any], read: frozenset[tuple[str, str]]) -> bool:
    api_version, kind = document.get("apiVersion"), document.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return False
    parts = api_version.split("/")
    group = parts[0] if len(parts) == 2 else ""
    return (group, kind) in read or (group, "*") in read


def evaluate_input(document: Any) -> tuple[Finding, ...]:
    """Evaluate the pack over a raw input document, whatever its shape.

    For callers that already hold a conftest-style input (and for testing how the pack
    treats other shapes); :func:`evaluate_files` is the usual entry point.
    """
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise BadInputError(f"the policy input is not plain JSON data: {error}") from error
    return _run(text)


def _run(text: str) -> tuple[Finding, ...]:
    pack = compiled_pack()
    with pack.lock:
        try:
            pack.interpreter.set_input_term(text)
            output = pack.interpreter.query_bundle(pack.bundle)
            if not output.results:
                # rego-cpp reports its own failures (a limit, an internal error) as an
                # output without results rather than raising.
                raise OperationError(
                    f"policy evaluation failed: the Rego engine returned no result ({output})"
                )
            bindings = output.results[0].bindings
            results = [
                (package, severity, result)
                for package, severity in pack.rule_sets
                for result in bindings[_binding(package, severity)]
            ]
        except (pack.error, ValueError, IndexError, KeyError, TypeError) as error:
            raise OperationError(f"policy evaluation failed: {error}") from error
    return _sorted(_finding(*result) for result in results)


def _sorted(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(
        sorted(
            findings,
            key=lambda f: (_SEVERITY_ORDER[f.severity], f.file, f.rule, f.message, f.name),
        )
    )


def evaluate_manifests(manifests: Mapping[str, Sequence[Mapping[str, Any]]]) -> Report:
    """Evaluate in-memory manifests: relative file path -> the documents of that file.

    This is how the render step checks its output before (or without) writing it.
    """
    files = [
        ManifestFile(path=path, documents=tuple(documents))
        for path, documents in sorted(manifests.items())
    ]
    return evaluate_files(files)


def evaluate_paths(paths: Iterable[str | os.PathLike[str]]) -> Report:
    """Load YAML files and folders (see :mod:`.loader`) and evaluate the pack over them."""
    return evaluate_files(load_paths(paths))


def _encode(files: Sequence[ManifestFile]) -> str:
    try:
        return json.dumps(policy_input(files), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        # Encode file by file only on failure, to name the file that holds the bad value.
        for file in files:
            try:
                json.dumps(list(file.documents), allow_nan=False)
            except (TypeError, ValueError) as error:
                raise BadInputError(
                    f"{file.path}: holds a value that is not plain JSON data: {error}"
                ) from error
        raise


def _finding(package: str, severity: Severity, result: Any) -> Finding:
    if isinstance(result, str):
        # A plain-string result (conftest allows them): no object fields to report.
        result = {"msg": result}
    return Finding(
        severity=severity,
        package=package,
        rule=str(result.get("rule", "")),
        message=str(result.get("msg", "")),
        file=str(result.get("file", "")),
        kind=str(result.get("kind", "")),
        namespace=str(result.get("namespace", "")),
        name=str(result.get("name", "")),
    )
