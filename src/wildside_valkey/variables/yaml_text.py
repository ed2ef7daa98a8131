"""Reading YAML text the one way this project does: JSON data only, bounded, and
errors placed at a 1-based line and column for the message.

Var files, ``helm_values``, ``--each`` files and policy inputs all go through
here. The text is composed into a node graph with libyaml (the C composer, which
keeps an alias as a reference to its anchor's node, so composing is linear in the
text) and only then built into values, after two checks on the graph:

- its *expanded* size and depth, counted without expanding (aliases are counted
  once per use through a memo), so an alias bomb is refused before it grows;
- every node is something JSON and Kubernetes can carry: string keys only, each
  key once per mapping, no ``.inf``/``.nan``, no sets, binaries or custom tags.
  Timestamps stay the text they were written as (Kubernetes reads YAML through
  JSON, where a date is a string).

Errors are ``yaml.MarkedYAMLError`` (so callers catch ``yaml.YAMLError`` as for
PyYAML's own) and never quote the offending text: it may be a password.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Bounds on one YAML stream, counted with aliases expanded. A 1,000-environment
# --each file is about 5,000 nodes and a rendered Kubernetes object under 1,000,
# 40 levels deep at most; libyaml itself stops flow nesting at 1,000 levels.
MAX_NODES = 1_000_000
MAX_DEPTH = 100

_TAG = "tag:yaml.org,2002:"
_SCALARS = SafeConstructor()


class UnsupportedYamlError(yaml.MarkedYAMLError):
    """Valid YAML that JSON data cannot hold, or past this project's bounds."""

    def __init__(self, problem: str, node: yaml.Node | None = None) -> None:
        mark = node.start_mark if node is not None else None
        super().__init__(problem=problem, problem_mark=mark)


def load_yaml(text: str) -> Any:
    """The one document in ``text`` (``None`` if empty); raises ``yaml.YAMLError``."""
    documents = load_yaml_documents(text)
    if len(documents) > 1:
        raise UnsupportedYamlError(f"holds {len(documents)} documents where one is expected")
    return documents[0] if documents else None


def load_yaml_documents(text: str) -> list[Any]:
    """Every document in ``text``, empty ones as ``None``; raises ``yaml.YAMLError``."""
    try:
        nodes = list(_compose_all(text))
    except RecursionError as error:  # the pure-Python composer, if libyaml is missing
        raise UnsupportedYamlError(f"nests deeper than {MAX_DEPTH} levels") from error
    budget = _Budget()
    for node in nodes:
        budget.measure(node)
    return [_build(node) for node in nodes]


def _compose_all(text: str) -> Iterator[yaml.Node]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    finally:
        loader.dispose()


class _Budget:
    """Expanded node count and depth of a graph, each node measured once."""

    def __init__(self) -> None:
        self.total = 0
        self._sizes: dict[int, tuple[int, int]] = {}
        self._open: set[int] = set()

    def measure(self, root: yaml.Node) -> None:
        size, _ = self._measure(root, 1)
        self.total += size
        if self.total > MAX_NODES:
            raise UnsupportedYamlError(
                f"expands to more than {MAX_NODES:,} values (aliases counted where used)", root
            )

    def _measure(self, node: yaml.Node, level: int) -> tuple[int, int]:
        """(expanded size, depth below and including ``node``)."""
        key = id(node)
        if key in self._sizes:
            size, depth = self._sizes[key]
            if level + depth - 1 > MAX_DEPTH:
                raise UnsupportedYamlError(f"nests deeper than {MAX_DEPTH} levels", node)
            return size, depth
        if level > MAX_DEPTH:
            raise UnsupportedYamlError(f"nests deeper than {MAX_DEPTH} levels", node)
        if key in self._open:
            raise UnsupportedYamlError("an alias refers to a value that contains it", node)
        size, depth = 1, 1
        if isinstance(node, yaml.CollectionNode):
            self._open.add(key)
            for child in _children(node):
                child_size, child_depth = self._measure(child, level + 1)
                size += child_size
                depth = max(depth, child_depth + 1)
                if size > MAX_NODES:
                    raise UnsupportedYamlError(
                        f"expands to more than {MAX_NODES:,} values (aliases counted where used)",
                        node,
                    )
            self._open.discard(key)
        self._sizes[key] = (size, depth)
        return size, depth


def _children(node: yaml.CollectionNode) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    else:
        yield from node.value


def _build(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        if node.tag != f"{_TAG}map":
            raise _unsupported_tag(node)
        return _build_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != f"{_TAG}seq":
            raise _unsupported_tag(node)
        return [_build(item) for item in node.value]
    assert isinstance(node, yaml.ScalarNode)
    return _build_scalar(node)


def _build_mapping(node: yaml.MappingNode) -> dict[str, Any]:
    explicit: dict[str, Any] = {}
    lines: dict[str, int] = {}
    merged: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == f"{_TAG}merge":
            # ``<<: *base`` (YAML 1.1 merge keys, which PyYAML's SafeLoader reads too):
            # the merged mappings fill in keys this mapping does not set itself.
            for source in _merge_sources(value_node):
                for key, value in _build_mapping(source).items():
                    merged.setdefault(key, value)
            continue
        key = _key(key_node)
        if key in explicit:
            raise UnsupportedYamlError(
                f"the key {_shown_key(key)} is set twice (first at line {lines[key]}); "
                "each key may appear once in a mapping",
                key_node,
            )
        lines[key] = key_node.start_mark.line + 1
        explicit[key] = _build(value_node)
    return {**merged, **explicit} if merged else explicit


def _merge_sources(node: yaml.Node) -> list[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        return [node]
    if isinstance(node, yaml.SequenceNode) and all(
        isinstance(item, yaml.MappingNode) for item in node.value
    ):
        # Earlier mappings in the list win, as in the merge key specification.
        return list(node.value)
    raise UnsupportedYamlError("a merge key (<<) must be given a mapping or a list of them", node)


def _key(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise UnsupportedYamlError("a mapping key must be a string, not a list or mapping", node)
    if node.tag != f"{_TAG}str":
        kind = _KINDS.get(node.tag.removeprefix(_TAG), "a tagged value")
        raise UnsupportedYamlError(
            f"a mapping key must be a string, but YAML reads this key as {kind}; quote it "
            '(JSON and Kubernetes keys are strings, and unquoted 1 and quoted "1" would '
            "collide)",
            node,
        )
    return str(node.value)


def _shown_key(key: str) -> str:
    # Keys are names (helm values, variable names), shown to point at the line; long or
    # multi-line keys are cut so no value-sized text is echoed.
    return repr(key) if len(key) <= 40 and key.isprintable() else "(not shown)"


_KINDS = {
    "null": "null",
    "bool": "a boolean",
    "int": "a number",
    "float": "a number",
    "timestamp": "a date",
    "binary": "binary data",
    "set": "a set",
    "omap": "an ordered map",
    "pairs": "a list of pairs",
}


def _build_scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else None
    if tag in {"str", "timestamp"}:
        return str(node.value)
    if tag == "null":
        return None
    if tag == "bool":
        return _SCALARS.construct_yaml_bool(node)
    if tag == "int":
        return _SCALARS.construct_yaml_int(node)
    if tag == "float":
        number = _SCALARS.construct_yaml_float(node)
        if not math.isfinite(number):
            raise UnsupportedYamlError(
                "holds an infinite or not-a-number value, which JSON and Kubernetes cannot carry",
                node,
            )
        return number
    raise _unsupported_tag(node)


def _unsupported_tag(node: yaml.Node) -> UnsupportedYamlError:
    if node.tag.startswith(_TAG):
        kind = _KINDS.get(node.tag.removeprefix(_TAG), "a tagged value")
        return UnsupportedYamlError(
            f"holds {kind} (!!{node.tag.removeprefix(_TAG)}), which JSON and Kubernetes "
            "cannot carry",
            node,
        )
    # A custom tag's text is not shown: an unquoted password starting with "!" reads as one.
    return UnsupportedYamlError(
        "holds a custom tag (a value starting with '!'), which JSON and Kubernetes cannot "
        "carry; quote the value if it is text",
        node,
    )


# What a loaded document that should have been a mapping is, in words.
_LOADED_KINDS = {
    "int": "a number",
    "float": "a number",
    "str": "a string",
    "list": "a list",
    "bool": "a boolean",
}


class NotAMappingError(ValueError):
    """A YAML document that is valid but not a mapping; ``kind`` says what it is instead."""

    def __init__(self, loaded: object) -> None:
        name = type(loaded).__name__
        self.kind = _LOADED_KINDS.get(name, name)
        super().__init__(f"not a YAML mapping (got {self.kind})")


def load_yaml_mapping(text: str) -> dict[str, Any]:
    """A YAML document that must be a mapping (an empty one is ``{}``).

    Raises ``yaml.YAMLError`` for broken YAML and ``NotAMappingError`` for another kind.
    """
    loaded = load_yaml(text)
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise NotAMappingError(loaded)
    return loaded


def error_problem(error: yaml.YAMLError) -> str:
    """What PyYAML says is wrong (without where), or ``syntax error`` when it says nothing."""
    return getattr(error, "problem", None) or "syntax error"


def error_position(error: yaml.YAMLError) -> str:
    """`` at line L, column C`` where PyYAML knows it, else an empty string."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
