"""``wildside-valkey plan``, ``apply`` and ``destroy``: apply mode against a live cluster.

A thin shell over ``wildside_valkey.apply``. The Kubernetes client (and rich,
on a terminal) load only when a command runs, so ``--help`` stays fast.
Results go to stdout (the plan, the contract, the destroy report); progress
and logs go to stderr. Known secret values are masked in all of it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from ..contract.formats import to_json
from ..errors import WildsideError
from ..inputs import load_variables
from ..plan import Plan, build_plan
from .options import output_option, variable_options, warn

if TYPE_CHECKING:
    from ..apply import KubeClient, Progress, Redactor
    from ..apply.retry import Transient

F = TypeVar("F", bound=Callable[..., Any])
Output = Literal["text", "json"]


def cluster_options(function: F) -> F:
    """Where the cluster is, and how patient to be with its API server."""
    options = [
        click.option(
            "--kubeconfig",
            type=click.Path(dir_okay=False, path_type=Path),
            help="kubeconfig file (default: KUBECONFIG, ~/.kube/config, or the in-cluster "
            "service account). helm is pointed at the same file and context.",
        ),
        click.option("--context", help="kubeconfig context (default: its current-context)."),
        click.option(
            "--request-timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=30.0,
            show_default=True,
            metavar="SECONDS",
            help="Time limit for each API request. A server that accepts the request and "
            "never answers is given two such timeouts in all, then the command fails.",
        ),
        click.option(
            "--retries",
            type=click.IntRange(min=0),
            default=5,
            show_default=True,
            help="Retries of a request after a transient failure (429, 5xx, reset "
            "connection, timeout), with exponential backoff.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _timeout_option(function: F) -> F:
    return click.option(
        "--timeout",
        type=click.IntRange(min=1),
        metavar="SECONDS",
        help="Time limit for helm and for each wait (default: the helm_timeout variable).",
    )(function)


@click.command()
@variable_options
@cluster_options
@output_option
def plan(
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    output: Output,
    **cluster: Any,
) -> None:
    """Show what apply would create, change or delete, and the operator chart's action.

    Read-only. Secret values show as "(sensitive value)". Prints "No changes."
    when the cluster already matches the variables. Needs mode = "apply".
    """
    from ..apply import PlainProgress, format_plan, plan_changes  # noqa: PLC0415 - lazy

    the_plan = _load(var_files, var_options)
    redact = _redactor(the_plan)
    with _masked_errors(redact), _connect(**cluster) as kube:
        # No live display: the plan is the output; retries are still worth a line.
        _report_retries(kube, PlainProgress(lambda line: click.echo(redact(line), err=True)))
        changes = plan_changes(the_plan, kube)
        for message in changes.warnings:
            click.echo(redact(f"warning: {message}"), err=True)
        click.echo(redact(format_plan(changes, kube.connection.describe(), output)), nl=False)


@click.command()
@variable_options
@cluster_options
@_timeout_option
@click.option(
    "--force-conflicts",
    is_flag=True,
    help="Take over fields another field manager owns (server-side apply's force).",
)
def apply(
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    timeout: int | None,
    force_conflicts: bool,
    **cluster: Any,
) -> None:
    """Converge the cluster: namespaces, the operator chart (helm), credentials, the
    Valkey resource; wait until it is ready, then print the contract JSON.

    Re-running with the same variables changes nothing. Needs mode = "apply".
    """
    from ..apply import ApplyOptions, apply_plan  # noqa: PLC0415 - lazy on purpose

    the_plan = _load(var_files, var_options)
    redact = _redactor(the_plan)
    options = ApplyOptions(timeout=timeout, force_conflicts=force_conflicts)
    with _masked_errors(redact), _progress(redact) as progress, _connect(**cluster) as kube:
        _report_retries(kube, progress)
        progress.info(f"cluster: {kube.connection.describe()}")
        result = apply_plan(the_plan, kube, options=options, progress=progress)
        progress.info(result.summary())
    click.echo(to_json(result.contract), nl=False)


@click.command()
@variable_options
@cluster_options
@_timeout_option
@output_option
def destroy(
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    timeout: int | None,
    output: Output,
    **cluster: Any,
) -> None:
    """Delete what apply created for this cluster_name and namespace, nothing else.

    Objects are found by this instance's labels and deleted in reverse order.
    Namespaces are deleted only when apply created them. The operator release is
    uninstalled only when apply installed it and no other Valkey resource on the
    cluster uses it.
    """
    from ..apply import ApplyOptions, format_destroy  # noqa: PLC0415 - lazy on purpose
    from ..apply import destroy as destroy_instance  # noqa: PLC0415

    the_plan = _load(var_files, var_options)
    redact = _redactor(the_plan)
    options = ApplyOptions(timeout=timeout)
    with _masked_errors(redact), _progress(redact) as progress, _connect(**cluster) as kube:
        _report_retries(kube, progress)
        progress.info(f"cluster: {kube.connection.describe()}")
        result = destroy_instance(the_plan, kube, options=options, progress=progress)
        text = format_destroy(result, kube.connection.describe(), output)
    click.echo(redact(text), nl=False)


# ---------------------------------------------------------------------- helpers


def _load(var_files: tuple[str, ...], var_options: tuple[str, ...]) -> Plan:
    the_plan = build_plan(load_variables(var_files, var_options, expect_mode="apply"))
    warn(the_plan.warnings)
    return the_plan


def _redactor(the_plan: Plan) -> Redactor:
    from ..apply import Redactor  # noqa: PLC0415

    return Redactor.for_plan(the_plan)


@contextmanager
def _connect(
    kubeconfig: Path | None, context: str | None, request_timeout: float, retries: int
) -> Iterator[KubeClient]:
    from ..apply import RetryPolicy, connect  # noqa: PLC0415

    with connect(
        kubeconfig,
        context,
        request_timeout=request_timeout,
        retry=RetryPolicy(attempts=retries + 1),
    ) as kube:
        yield kube


@contextmanager
def _progress(redact: Redactor) -> Iterator[Progress]:
    from ..apply import PlainProgress, RichProgress  # noqa: PLC0415

    progress: Progress
    if sys.stderr.isatty():
        progress = RichProgress(sys.stderr, redact)
    else:
        progress = PlainProgress(lambda message: click.echo(redact(message), err=True))
    try:
        yield progress
    finally:
        progress.close()


def _report_retries(kube: KubeClient, progress: Progress) -> None:
    def on_retry(attempt: int, transient: Transient, wait: float) -> None:
        progress.info(f"retrying after {transient.reason} (attempt {attempt}, in {wait:.2g}s)")

    kube.on_retry = on_retry


@contextmanager
def _masked_errors(redact: Redactor) -> Iterator[None]:
    """Errors leave through main(), which prints them: mask known secrets first."""
    try:
        yield
    except WildsideError as error:
        masked = redact(str(error))
        if masked != str(error):
            error.args = (masked,)
        raise
