"""The case harness: render a case's variables and check them against its inventory.

An inventory has four sections, all required:

``files``
    the set of rendered file paths (exact).
``objects``
    every Kubernetes object of the rendered YAML files, keyed by
    ``"<path>:<Kind>/<name>"`` (``"<path>:<Kind>"`` when the object has no name, as in
    a ``kustomization.yaml``). The set of keys is exact; each object's content is
    checked *partially*: every key written in the inventory must match, keys the
    inventory leaves out are not checked. Lists are compared element by element,
    in full (same length, no extra keys inside their elements).
``contract``
    the whole contract (exact).
``warnings``
    the plan's warnings, in order; each expected entry must be a substring of the
    warning at the same position, and the counts must agree.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from wildside_valkey.cli.main import main as cli_main
from wildside_valkey.inputs import load_variables
from wildside_valkey.plan import Plan, build_plan
from wildside_valkey.render import RenderedTree, render_tree

CASES_DIR = Path(__file__).resolve().parent
REPO_ROOT = CASES_DIR.parents[1]
INVENTORY_FILE = "inventory.yaml"
VARIABLES_STEM = "variables"
VARIABLES_SUFFIXES = (".tfvars", ".tfvars.json", ".json", ".yaml", ".yml")
SECTIONS = ("files", "objects", "contract", "warnings")
CRDS_ENV = "WILDSIDE_VALKEY_CRDS"


def crds_dir() -> Path:
    """The CRDs' structural schemas: ``$WILDSIDE_VALKEY_CRDS``, else tests/data/crds.

    tests/data/crds is extracted from the upstream CRDs (each file names its
    upstream version) by scripts/extract_crd_schemas.py, so any clone has it.
    """
    override = os.environ.get(CRDS_ENV)
    if override:
        return Path(override).resolve()
    return REPO_ROOT / "tests" / "data" / "crds"


def extraction_script() -> ModuleType:
    """scripts/extract_crd_schemas.py, the one maker of those schemas, loaded as a module."""
    path = REPO_ROOT / "scripts" / "extract_crd_schemas.py"
    spec = importlib.util.spec_from_file_location("extract_crd_schemas", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def regenerate_hint(case: str | None = None) -> str:
    target = case or "[CASE...]"
    return f"make golden   (python -m tests.cases.regenerate {target})"


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    folder: Path

    @property
    def variables_file(self) -> Path:
        found = [
            path
            for path in sorted(self.folder.iterdir())
            if path.is_file()
            and path.name.startswith(VARIABLES_STEM + ".")
            and path.name[len(VARIABLES_STEM) :] in VARIABLES_SUFFIXES
        ]
        if len(found) != 1:
            names = [path.name for path in found]
            raise ValueError(f"case {self.name}: expected one variables.* file, found {names}")
        return found[0]

    @property
    def inventory_file(self) -> Path:
        return self.folder / INVENTORY_FILE

    @property
    def display_inventory(self) -> str:
        return self.inventory_file.relative_to(REPO_ROOT).as_posix()


def discover_cases() -> list[Case]:
    """Every folder under ``tests/cases`` with a ``variables.*`` file, by name."""
    cases: list[Case] = []
    for folder in sorted(CASES_DIR.iterdir()):
        if not folder.is_dir() or folder.name.startswith(("_", ".")):
            continue
        if any(
            path.name.startswith(VARIABLES_STEM + ".")
            for path in folder.iterdir()
            if path.is_file()
        ):
            cases.append(Case(folder.name, folder))
    return cases


def case_names() -> list[str]:
    return [case.name for case in discover_cases()]


def get_case(name: str) -> Case:
    for case in discover_cases():
        if case.name == name:
            return case
    raise KeyError(f"no case named {name!r} under {CASES_DIR}; known: {case_names()}")


# ------------------------------------------------------------------------ rendering


@dataclass(frozen=True, slots=True)
class Rendered:
    plan: Plan
    tree: RenderedTree

    @property
    def warnings(self) -> list[str]:
        return list(self.plan.warnings)

    @property
    def contract(self) -> Any:
        return json.loads(self.tree["contract.json"])


def render_case(case: Case) -> Rendered:
    """The case's variables through the same steps as ``wildside-valkey render``."""
    variables = load_variables([case.variables_file], expect_mode="render")
    plan = build_plan(variables)
    return Rendered(plan, render_tree(plan))


def yaml_documents(text: str) -> list[Any]:
    return [document for document in yaml.safe_load_all(text) if document is not None]


def object_key(path: str, document: Mapping[str, Any]) -> str:
    kind = str(document.get("kind", "?"))
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return f"{path}:{kind}/{name}" if name else f"{path}:{kind}"


def tree_objects(tree: Mapping[str, str]) -> dict[str, Any]:
    """Every YAML document of the tree, keyed as in the inventory, in file order."""
    objects: dict[str, Any] = {}
    for path in sorted(tree):
        if not path.endswith((".yaml", ".yml")):
            continue
        for document in yaml_documents(tree[path]):
            if not isinstance(document, Mapping):
                raise ValueError(f"{path}: a YAML document is not a mapping: {document!r}")
            key = object_key(path, document)
            if key in objects:
                raise ValueError(f"{path}: two documents share the key {key!r}")
            objects[key] = document
    return objects


def kubernetes_objects(tree: Mapping[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, object) for every Kubernetes object; kustomize's own config files left out."""
    for key, document in tree_objects(tree).items():
        path = key.partition(":")[0]
        if document.get("apiVersion", "").startswith("kustomize.config.k8s.io/"):
            continue
        yield path, document


def actual_inventory(rendered: Rendered) -> dict[str, Any]:
    """The full inventory of a render, as ``regenerate`` writes it."""
    return {
        "files": sorted(rendered.tree),
        "objects": tree_objects(rendered.tree),
        "contract": rendered.contract,
        "warnings": rendered.warnings,
    }


# ----------------------------------------------------------------------- comparing


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Mismatch:
    path: tuple[str | int, ...]
    got: Any
    expected: Any
    note: str = ""

    @property
    def dotted(self) -> str:
        return dotted_path(self.path)


def dotted_path(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        shown = part if _PLAIN_KEY.match(part) else json.dumps(part)
        out += f".{shown}" if out else shown
    return out or "(root)"


def _same_scalar(got: Any, expected: Any) -> bool:
    # True == 1 in Python; a YAML `true` where `1` is expected is a real difference.
    return type(got) is type(expected) and got == expected


def compare_values(
    got: Any, expected: Any, path: tuple[str | int, ...], *, partial: bool
) -> list[Mismatch]:
    """Mismatches between a value and its expectation.

    ``partial``: mappings may hold keys the expectation leaves out. Inside lists the
    comparison is always full, element by element.
    """
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return [Mismatch(path, got, expected)]
        found: list[Mismatch] = []
        for key, value in expected.items():
            if key not in got:
                found.append(Mismatch((*path, key), MISSING, value))
            else:
                found.extend(compare_values(got[key], value, (*path, key), partial=partial))
        if not partial:
            found.extend(
                Mismatch((*path, key), value, MISSING)
                for key, value in got.items()
                if key not in expected
            )
        return found
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return [Mismatch(path, got, expected)]
        found = []
        for index, (got_item, expected_item) in enumerate(zip(got, expected, strict=True)):
            found.extend(compare_values(got_item, expected_item, (*path, index), partial=False))
        return found
    return [] if _same_scalar(got, expected) else [Mismatch(path, got, expected)]


def compare_inventory(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[Mismatch]:
    """Every way the render differs from the inventory (see the module docstring)."""
    found: list[Mismatch] = []
    for section in SECTIONS:
        if section not in expected:
            found.append(
                Mismatch((section,), actual[section], MISSING, "the inventory lacks this section")
            )
    for section in expected:
        if section not in SECTIONS:
            found.append(
                Mismatch((section,), MISSING, expected[section], f"sections are {list(SECTIONS)}")
            )

    if "files" in expected:
        want = expected["files"]
        got = actual["files"]
        if not isinstance(want, list) or sorted(want) != sorted(got):
            missing = sorted(set(want or []) - set(got)) if isinstance(want, list) else []
            extra = sorted(set(got) - set(want or [])) if isinstance(want, list) else []
            note = f"not rendered: {missing}; not expected: {extra}"
            found.append(Mismatch(("files",), sorted(got), want, note))

    if "objects" in expected:
        want_objects = expected["objects"] or {}
        got_objects = actual["objects"]
        for key, want_object in want_objects.items():
            if key not in got_objects:
                found.append(Mismatch(("objects", key), MISSING, want_object, "not rendered"))
            elif want_object is not None:
                found.extend(
                    compare_values(got_objects[key], want_object, ("objects", key), partial=True)
                )
        found.extend(
            Mismatch(("objects", key), got_objects[key], MISSING, "rendered but not in inventory")
            for key in got_objects
            if key not in want_objects
        )

    if "contract" in expected:
        found.extend(
            compare_values(actual["contract"], expected["contract"], ("contract",), partial=False)
        )

    if "warnings" in expected:
        want_warnings = expected["warnings"] or []
        got_warnings = actual["warnings"]
        if len(want_warnings) != len(got_warnings):
            found.append(Mismatch(("warnings",), got_warnings, want_warnings, "the counts differ"))
        else:
            for index, (got_text, want_text) in enumerate(
                zip(got_warnings, want_warnings, strict=True)
            ):
                if not isinstance(want_text, str) or want_text not in got_text:
                    found.append(
                        Mismatch(("warnings", index), got_text, want_text, "expected a substring")
                    )
    return found


def format_failure(case: Case, mismatches: Sequence[Mismatch]) -> str:
    lines = [f"case {case.display_inventory}"]
    for mismatch in mismatches:
        lines.append(f"  at {mismatch.dotted}")
        if mismatch.note:
            lines.append(f"  ({mismatch.note})")
        lines.append(f"  got:      {mismatch.got!r}")
        lines.append(f"  expected: {mismatch.expected!r}")
    lines.append(f"regenerate with: {regenerate_hint(case.name)}")
    return "\n".join(lines)


def check_case(case: Case) -> list[Mismatch]:
    return compare_inventory(load_inventory(case), actual_inventory(render_case(case)))


# ---------------------------------------------------------------------- inventories


class _InventoryDumper(yaml.SafeDumper):
    """Readable, deterministic YAML: block style, multi-line strings as literals."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_InventoryDumper.add_representer(str, _represent_str)


def dump_inventory(case: Case, inventory: Mapping[str, Any]) -> str:
    header = (
        f"# Expected render of tests/cases/{case.name}/{case.variables_file.name}.\n"
        "# Objects are checked partially: delete keys you do not care about.\n"
        f"# Regenerate with: {regenerate_hint(case.name)}\n"
    )
    body = yaml.dump(
        {section: inventory[section] for section in SECTIONS},
        Dumper=_InventoryDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100_000,
    )
    return header + body


def load_inventory(case: Case) -> dict[str, Any]:
    if not case.inventory_file.is_file():
        raise FileNotFoundError(
            f"case {case.name}: no {case.display_inventory}; create it with "
            f"{regenerate_hint(case.name)}"
        )
    loaded = yaml.safe_load(case.inventory_file.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{case.display_inventory} must hold a mapping")
    return loaded


# ------------------------------------------------------------------------- the CLI


@dataclass(frozen=True, slots=True)
class Outcome:
    code: int | str | None
    stdout: str
    stderr: str


def run_cli(args: Sequence[str]) -> Outcome:
    """``wildside-valkey ARGS`` in this process: exit status and what it printed."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            cli_main(list(args))
        except SystemExit as exit_:
            code = exit_.code
    return Outcome(code, stdout.getvalue(), stderr.getvalue())
