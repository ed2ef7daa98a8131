"""``wildside-valkey plan``, ``apply`` and ``destroy``: apply mode against a live cluster.

A thin shell over ``wildside_valkey.apply``. The Kubernetes client (and rich,
on a terminal) load only when a command runs, so ``--help`` stays fast.
Results go to stdout (the plan, the contract, the destroy report); progress
and logs go to stderr. None of it holds the password: plans show Secret data as
"(sensitive value)", and what a server or helm says is scrubbed of it where it enters a
message (``apply/redact.py``); the tool's own words are never redacted.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from ..contract.formats import to_json
from ..errors import EXIT_BAD_INPUT, EXIT_FAILURE, BadInputError, WildsideError
from ..plan import Plan, build_plan
from ..variables import check_mode
from .approval import ask, needs_question, unattended_note
from .options import (
    FILE_PATH,
    VariableCommand,
    command_variables,
    concurrency_option,
    file_option,
    output_option,
    tofu_sources,
    variable_options,
    warn,
)

if TYPE_CHECKING:
    from ..apply import ChangeSet, KubeClient, LiveState, Progress
    from ..apply.release import ReleaseState
    from ..apply.retry import Transient
    from ..apply.saved_plan import SavedPlan

F = TypeVar("F", bound=Callable[..., Any])
Output = Literal["text", "json"]


def cluster_options(function: F) -> F:
    """Where the cluster is, and how patient to be with its API server."""
    options = [
        click.option(
            "--kubeconfig",
            type=FILE_PATH,
            help="kubeconfig file (default: KUBECONFIG, ~/.kube/config, or the in-cluster "
            "service account). helm is pointed at the same file and context.",
        ),
        click.option(
            "--context", metavar="NAME", help="kubeconfig context (default: its current-context)."
        ),
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
            metavar="N",
            help="Retries of a request after a transient failure (429, 5xx, reset "
            "connection, timeout), with exponential backoff.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _auto_approve_option(function: F) -> F:
    return click.option(
        "--auto-approve",
        is_flag=True,
        help="Do not ask for confirmation on a terminal (off a terminal nothing is asked).",
    )(function)


def _each_option(verb: str) -> Callable[[F], F]:
    return file_option(
        "--each",
        "each_file",
        help=f"{verb} many previews: FILE is a YAML or JSON list of variable overrides, one "
        "per preview, on top of --var-file/--var (as render --each). They run in parallel "
        "and share one operator release; one failure does not stop the others.",
    )


def _timeout_option(function: F) -> F:
    return click.option(
        "--timeout",
        type=click.IntRange(min=1),
        metavar="SECONDS",
        help="Time limit for helm and for each wait (default: the helm_timeout variable).",
    )(function)


@click.command(cls=VariableCommand)
@variable_options
@cluster_options
@output_option
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="As tofu: exit 0 when there are no changes, 2 when there are, 1 on any error "
    "(bad input included).",
)
@click.option(
    "--destroy",
    "destroy_plan",
    is_flag=True,
    help="As tofu's plan -destroy: what destroy would delete, which namespaces it would "
    "keep and why, and the operator release's fate.",
)
@file_option(
    "--out",
    "out_file",
    help="Save the plan for `apply --plan FILE`, which applies exactly this or refuses "
    "when the cluster moved. The file holds no secret (see docs/apply.md).",
)
def plan(
    *,
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    output: Output,
    detailed_exitcode: bool,
    destroy_plan: bool,
    out_file: Path | None,
    **cluster: Any,
) -> None:
    """Show what apply would create, change or delete, and the operator chart's action.

    Read-only. Secret values show as "(sensitive value)". Prints "No changes."
    when the cluster already matches the variables. With --destroy, shows what
    destroy would delete and keep instead. Needs mode = "apply".
    """
    if destroy_plan and out_file is not None:
        raise click.UsageError("--out saves apply plans only; it cannot go with --destroy")
    with _detailed_exitcode(detailed_exitcode):
        if destroy_plan:
            changed = _destroy_plan(var_files, var_options, output, **cluster)
        else:
            changed = not _plan(var_files, var_options, output, out_file, **cluster).is_empty
    if detailed_exitcode and changed:
        raise SystemExit(EXIT_BAD_INPUT)  # 2: "changes present", as tofu's -detailed-exitcode


def _destroy_plan(
    var_files: tuple[str, ...], var_options: tuple[str, ...], output: Output, **cluster: Any
) -> bool:
    """Print what destroy would do; True when it would delete or uninstall anything."""
    from ..apply import PlainProgress  # noqa: PLC0415
    from ..apply.destroy import preview_destroy  # noqa: PLC0415
    from ..apply.report import format_destroy_preview  # noqa: PLC0415

    the_plan = _load(var_files, var_options)
    with _secrets_kept_out(the_plan), _connect(**cluster) as kube:
        _report_retries(kube, PlainProgress(lambda line: click.echo(line, err=True)))
        preview = preview_destroy(the_plan, kube)
        click.echo(format_destroy_preview(preview, kube.connection.describe(), output), nl=False)
    return bool(preview.deleted) or preview.operator.action == "uninstall"


def _plan(
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    output: Output,
    out_file: Path | None,
    **cluster: Any,
) -> ChangeSet:
    from ..apply import Helm, PlainProgress, format_plan  # noqa: PLC0415
    from ..apply.operations import observe_changes  # noqa: PLC0415

    the_plan = _load(var_files, var_options)
    with _secrets_kept_out(the_plan), _connect(**cluster) as kube:
        # No live display: the plan is the output; retries are still worth a line.
        _report_retries(kube, PlainProgress(lambda line: click.echo(line, err=True)))
        # plan only reads: helm's record comes through the API, helm itself is a fallback.
        helm = Helm.locate(kube.connection.helm, for_reading=True)
        live, changes = observe_changes(the_plan, kube, helm)
        for message in changes.warnings:
            click.echo(f"warning: {message}", err=True)
        described = kube.connection.describe()
        shown = format_plan(changes, described, "text")
        text = shown if output == "text" else format_plan(changes, described, output)
        click.echo(text, nl=False)
        if out_file is not None:
            release = helm.release(the_plan.operator, kube)
            _save_plan(
                out_file,
                the_plan,
                observed=(live, changes),
                release=release,
                kube=kube,
                shown=shown,
            )
    return changes


def _save_plan(
    out_file: Path,
    the_plan: Plan,
    *,
    observed: tuple[LiveState, ChangeSet],
    release: ReleaseState | None,
    kube: KubeClient,
    shown: str,
) -> None:
    """``plan --out``: what ``apply --plan`` applies exactly, or refuses if the cluster moved."""
    from ..apply.saved_plan import save_plan  # noqa: PLC0415

    live, changes = observed
    save_plan(
        out_file,
        variables=the_plan.variables,
        changes=changes,
        live=live,
        release=release,
        cluster=kube.connection.describe(),
        shown=shown,
    )
    click.echo(
        f"saved the plan to {out_file}; `wildside-valkey apply --plan {out_file}` "
        "applies exactly this",
        err=True,
    )


@click.command(cls=VariableCommand)
@variable_options
@cluster_options
@_timeout_option
@click.option(
    "--force-conflicts",
    is_flag=True,
    help="Take over fields another field manager owns (server-side apply's force).",
)
@_auto_approve_option
@file_option(
    "--plan",
    "plan_file",
    help="Apply a plan saved by `plan --out FILE`, exactly as shown, without asking; "
    "refused when the cluster moved since. Its variables are the saved ones; sensitive "
    "ones (password_inline) are read again from the usual sources.",
)
@_each_option("Apply")
@concurrency_option("--each")
def apply(
    *,
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    timeout: int | None,
    force_conflicts: bool,
    auto_approve: bool,
    plan_file: Path | None,
    each_file: Path | None,
    concurrency: int,
    **cluster: Any,
) -> None:
    """Converge the cluster: namespaces, the operator chart (helm), credentials, the
    Valkey resource; wait until it is ready, then print the contract JSON.

    On a terminal it shows the plan and asks first (--auto-approve does not);
    otherwise it goes ahead and says so. Re-running with the same variables
    changes nothing. Needs mode = "apply".
    With --each, prints a JSON object mapping "<namespace>/<cluster_name>" to each
    applied preview's contract, names every failed preview, and exits 1 if any failed
    (a batch is never asked about: it is for pipelines).
    """
    if each_file is not None:
        if plan_file is not None:
            raise click.UsageError("--each and --plan cannot be used together")
        from .batch import plans_from_each_file, run_apply_each  # noqa: PLC0415

        plans = plans_from_each_file(var_files, var_options, each_file)
        run_apply_each(plans, cluster, timeout, force_conflicts, concurrency)
        return
    _apply_one(
        var_files,
        var_options,
        plan_file=plan_file,
        auto_approve=auto_approve,
        timeout=timeout,
        force_conflicts=force_conflicts,
        cluster=cluster,
    )


def _apply_one(
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    *,
    plan_file: Path | None,
    auto_approve: bool,
    timeout: int | None,
    force_conflicts: bool,
    cluster: dict[str, Any],
) -> None:
    """One instance: show the plan and ask (on a terminal), apply, print the contract."""
    from ..apply import ApplyOptions, apply_plan  # noqa: PLC0415 - lazy on purpose

    if plan_file is not None:
        the_plan, saved = _load_saved(plan_file, var_files, var_options)
    else:
        the_plan, saved = _load(var_files, var_options), None
    options = ApplyOptions(timeout=timeout, force_conflicts=force_conflicts)
    with _secrets_kept_out(the_plan), _connect(**cluster) as kube:
        prepared = _approved(the_plan, kube, saved, auto_approve)
        with _progress() as progress:
            _report_retries(kube, progress)
            progress.info(f"cluster: {kube.connection.describe()}")
            note = unattended_note("apply", auto_approve)
            if saved is None and prepared is None and note:
                progress.info(note)
            result = apply_plan(
                the_plan, kube, options=options, progress=progress, prepared=prepared
            )
            progress.info(result.summary())
    click.echo(to_json(result.contract), nl=False)


@click.command(cls=VariableCommand)
@variable_options
@cluster_options
@_timeout_option
@output_option
@_auto_approve_option
@_each_option("Destroy")
@click.option(
    "--expired",
    is_flag=True,
    help="Destroy every preview on the cluster whose ttl has run out (see `list`); the "
    "variables give only the operator release's settings.",
)
@click.option("--dry-run", is_flag=True, help="With --expired: show what would go; delete nothing.")
@concurrency_option("--each or --expired")
def destroy(
    *,
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    timeout: int | None,
    output: Output,
    auto_approve: bool,
    each_file: Path | None,
    expired: bool,
    dry_run: bool,
    concurrency: int,
    **cluster: Any,
) -> None:
    """Delete what apply created for this cluster_name and namespace, nothing else.

    Objects are found by this instance's labels and deleted in reverse order.
    Namespaces are deleted only when apply created them. The operator release is
    uninstalled only when apply installed it and no other Valkey resource on the
    cluster uses it. --each and --expired destroy many previews this same way, in
    parallel, and settle the shared operator release once at the end.
    """
    if each_file is not None and expired:
        raise click.UsageError("--each and --expired cannot be used together")
    if dry_run and not expired:
        raise click.UsageError("--dry-run goes with --expired")
    if expired:
        from .batch import run_destroy_expired  # noqa: PLC0415

        run_destroy_expired(
            var_files,
            var_options,
            cluster,
            timeout=timeout,
            output=output,
            dry_run=dry_run,
            concurrency=concurrency,
        )
        return
    if each_file is not None:
        from .batch import plans_from_each_file, run_destroy_each  # noqa: PLC0415

        plans = plans_from_each_file(var_files, var_options, each_file)
        run_destroy_each(plans, cluster, timeout, output, concurrency)
        return
    _destroy_one(
        var_files, var_options, timeout, output, auto_approve=auto_approve, cluster=cluster
    )


def _destroy_one(
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    timeout: int | None,
    output: Output,
    *,
    auto_approve: bool,
    cluster: dict[str, Any],
) -> None:
    """One instance: confirm (on a terminal), delete what is ours, report what went."""
    from ..apply import ApplyOptions, format_destroy  # noqa: PLC0415 - lazy on purpose
    from ..apply import destroy as destroy_instance  # noqa: PLC0415

    the_plan = _load(var_files, var_options)
    options = ApplyOptions(timeout=timeout)
    with _secrets_kept_out(the_plan), _connect(**cluster) as kube:
        _confirm_destroy(the_plan, kube, auto_approve)
        with _progress() as progress:
            _report_retries(kube, progress)
            progress.info(f"cluster: {kube.connection.describe()}")
            note = unattended_note("destroy", auto_approve)
            if note and not needs_question(auto_approve):
                progress.info(note)
            result = destroy_instance(the_plan, kube, options=options, progress=progress)
        text = format_destroy(result, kube.connection.describe(), output)
    click.echo(text, nl=False)


# ---------------------------------------------------------------------- helpers


@contextmanager
def _detailed_exitcode(enabled: bool) -> Iterator[None]:
    """With --detailed-exitcode every error exits 1: 2 means "changes present"."""
    try:
        yield
    except WildsideError as error:
        if enabled:
            error.exit_code = EXIT_FAILURE
        raise


def _approved(
    the_plan: Plan, kube: KubeClient, saved: SavedPlan | None, auto_approve: bool
) -> tuple[LiveState, ChangeSet] | None:
    """What apply is to do, once approved: the saved plan's, or the one shown on a terminal.

    None lets apply decide by itself (nobody is asked: --auto-approve or no terminal).
    """
    from ..apply import Helm, format_plan  # noqa: PLC0415
    from ..apply.operations import observe_changes  # noqa: PLC0415
    from ..apply.saved_plan import check_plan  # noqa: PLC0415

    asked = saved is None and needs_question(auto_approve)
    if saved is None and not asked:
        return None
    helm = Helm.locate(kube.connection.helm)
    live, changes = observe_changes(the_plan, kube, helm)
    cluster = kube.connection.describe()
    if saved is not None:
        check_plan(saved, cluster, live, helm.release(the_plan.operator, kube), changes)
        click.echo(f"applying the saved plan (made against {saved.cluster})", err=True)
        return live, changes
    click.echo(format_plan(changes, cluster, "text"), err=True, nl=False)
    if not changes.is_empty:
        ask("apply")
    return live, changes


def _confirm_destroy(the_plan: Plan, kube: KubeClient, auto_approve: bool) -> None:
    from ..apply.destroy import preview_destroy  # noqa: PLC0415
    from ..apply.report import format_destroy_preview  # noqa: PLC0415

    if not needs_question(auto_approve):
        return
    preview = preview_destroy(the_plan, kube)
    click.echo(format_destroy_preview(preview, kube.connection.describe()), err=True, nl=False)
    ask("destroy")


def _load_saved(
    plan_file: Path, var_files: tuple[str, ...], var_options: tuple[str, ...]
) -> tuple[Plan, SavedPlan]:
    """The saved plan's variables, with its sensitive ones read again from the sources."""
    from ..apply.saved_plan import load_plan  # noqa: PLC0415
    from ..inputs.precedence import (  # noqa: PLC0415
        command_line,
        gather_layers,
        merge_layers,
        variables_from_layers,
    )
    from ..variables import SENSITIVE_VARIABLES  # noqa: PLC0415

    saved = load_plan(plan_file)
    base = saved.base_variables()
    # Read once: standard input (--var-file -) cannot be read twice.
    sources = tofu_sources()
    order = sources.pop("order")
    layers = gather_layers(command_line(var_files, var_options, order), **sources)
    given = variables_from_layers(layers)
    for name in sorted(merge_layers(layers)[0]):
        if name not in SENSITIVE_VARIABLES and getattr(given, name) != getattr(base, name):
            raise SavedPlanVariablesError(
                f"variable {name!r} given here differs from the one saved in {str(plan_file)!r}; "
                "apply --plan applies the saved variables: drop it, or run plan again"
            )
    sensitive = {name: getattr(given, name) for name in SENSITIVE_VARIABLES}
    missing = [name for name in saved.sensitive_set if not sensitive[name]]
    if missing:
        raise SavedPlanVariablesError(
            f"the plan was made with {', '.join(missing)} set; give it again (for example "
            f"TF_VAR_{missing[0]}), it is never stored in the plan file"
        )
    variables = base.replace(**sensitive)
    check_mode(variables, "apply", command="apply")
    the_plan = build_plan(variables)
    warn(the_plan.warnings)
    return the_plan, saved


class SavedPlanVariablesError(BadInputError):
    """Variables given with --plan that disagree with the saved plan (exit 2)."""


def _load(var_files: tuple[str, ...], var_options: tuple[str, ...]) -> Plan:
    the_plan = build_plan(command_variables(var_files, var_options, expect_mode="apply"))
    warn(the_plan.warnings)
    return the_plan


def _secrets_kept_out(the_plan: Plan) -> AbstractContextManager[None]:
    """The command's run: what a server or helm says is scrubbed of this plan's password."""
    from ..apply.redact import keeping_out  # noqa: PLC0415

    return keeping_out((the_plan,))


@contextmanager
def _connect(
    kubeconfig: Path | None, context: str | None, request_timeout: float, retries: int
) -> Iterator[KubeClient]:
    from ..apply import RetryPolicy, connect_cluster  # noqa: PLC0415

    with connect_cluster(
        kubeconfig,
        context,
        request_timeout=request_timeout,
        retry=RetryPolicy(attempts=retries + 1),
    ) as kube:
        yield kube


@contextmanager
def _progress() -> Iterator[Progress]:
    from ..apply import PlainProgress, RichProgress  # noqa: PLC0415

    progress: Progress
    if sys.stderr.isatty():
        progress = RichProgress(sys.stderr)
    else:
        progress = PlainProgress(lambda message: click.echo(message, err=True))
    try:
        yield progress
    finally:
        progress.close()


def _report_retries(kube: KubeClient, progress: Progress) -> None:
    def on_retry(attempt: int, transient: Transient, wait: float) -> None:
        progress.info(f"retrying after {transient.reason} (attempt {attempt}, in {wait:.2g}s)")

    kube.on_retry = on_retry
