"""Render mode: the plan as a Flux GitOps tree, in memory or written to a folder."""

from pathlib import Path

from ..plan import Plan
from .tree import ManifestTree, RenderedTree, render_manifests, render_tree
from .writer import write_tree


def render_to(plan: Plan, out: Path) -> RenderedTree:
    """Render ``plan`` and write it to ``out`` atomically; returns the files written."""
    tree = render_tree(plan)
    write_tree(tree, out)
    return tree


__all__ = [
    "ManifestTree",
    "RenderedTree",
    "render_manifests",
    "render_to",
    "render_tree",
    "write_tree",
]
