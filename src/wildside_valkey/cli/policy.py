"""``wildside-valkey policy``."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_FAILURE
from ..plan import build_plan
from ..plan.labels import ALLOW_PLAINTEXT_ANNOTATION
from ..policies import Report, evaluate_manifests, evaluate_paths, format_report
from ..render import ManifestTree, render_manifests
from .options import VariableCommand, command_variables, output_option, variable_options


def _secrets_not_bound_for_git(manifests: ManifestTree) -> None:
    """In apply mode the Secret goes to the cluster, never into Git: say so to the pack."""
    for documents in manifests.values():
        for document in documents:
            if document.get("kind") == "Secret":
                annotations = document["metadata"].setdefault("annotations", {})
                annotations[ALLOW_PLAINTEXT_ANNOTATION] = "true"


@click.command(cls=VariableCommand)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@variable_options
@output_option
def policy(
    paths: tuple[Path, ...], var_files: tuple[str, ...], var_options: tuple[str, ...], output: str
) -> None:
    """Evaluate the Rego v1 policy pack on YAML files or folders (PATH...).

    Without PATH, checks a fresh in-memory render of the given variables. Prints
    every denial and warning with the file and object it concerns; exits 1 on any
    denial. Works in both modes.
    """
    report: Report
    if paths:
        report = evaluate_paths(paths)
    else:
        plan = build_plan(command_variables(var_files, var_options))
        # The YAML files render writes, kustomization.yaml too: the same files, and the
        # same count, as `policy OUT` after a render.
        manifests = render_manifests(plan, kustomizations=True)
        if plan.variables.mode == "apply":
            _secrets_not_bound_for_git(manifests)
        report = evaluate_manifests(manifests)
    click.echo(format_report(report, output))
    if report.denied:
        # The report above already lists every denial; only the status remains to say.
        raise SystemExit(EXIT_FAILURE)
