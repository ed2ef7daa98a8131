"""The many-previews paths of ``apply`` and ``destroy``: ``--each FILE`` and ``--expired``.

Kept apart from ``live.py``: a batch has its own output (a summary naming
each failure, on stderr; per-preview results as JSON on stdout) and its own
exit status (1 when any preview failed, after all of them ran).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from ..contract.formats import to_json
from ..errors import EXIT_FAILURE
from ..inputs import load_raw_values
from ..inputs.each_file import read_each_file
from ..plan import Plan, build_plan
from ..render.batch import environment_variables
from .options import command_name, command_variables, tofu_sources, warn

if TYPE_CHECKING:
    from ..apply import KubeClient, Progress
    from ..apply.batch import BatchResult

Output = Literal["text", "json"]


def plans_from_each_file(
    var_files: tuple[str, ...], var_options: tuple[str, ...], each_file: Path
) -> list[Plan]:
    """Every entry on top of the shared variables, validated all at once (as render --each)."""
    base = load_raw_values(var_files, var_options, **tofu_sources())
    entries = read_each_file(each_file)
    environments = environment_variables(base, entries, mode="apply", command=command_name())
    plans = [build_plan(variables) for variables in environments.each]
    counts: dict[str, int] = {}
    for plan in plans:
        for message in plan.warnings:
            counts[message] = counts.get(message, 0) + 1
    warn(f"{m} ({n} preview{'' if n == 1 else 's'})" for m, n in counts.items())
    return plans


def run_apply_each(
    plans: Sequence[Plan], cluster: dict[str, Any], timeout: int | None, force: bool, n: int
) -> None:
    from ..apply import ApplyOptions  # noqa: PLC0415 - lazy on purpose
    from ..apply.batch import apply_each  # noqa: PLC0415
    from ..apply.redact import keeping_out  # noqa: PLC0415

    options = ApplyOptions(timeout=timeout, force_conflicts=force)
    with keeping_out(plans):
        result = apply_each(
            plans,
            _client_factory(cluster),
            options=options,
            progress_for=_progress_factory(),
            concurrency=n,
        )
    contracts = {
        o.preview: o.result.contract
        for o in result.outcomes
        if o.ok and o.result is not None and hasattr(o.result, "contract")
    }
    click.echo(to_json(contracts), nl=False)
    _finish(result)


def run_destroy_each(
    plans: Sequence[Plan],
    cluster: dict[str, Any],
    timeout: int | None,
    output: Output,
    n: int,
    *,
    verb: str = "destroy --each",
) -> None:
    from ..apply import ApplyOptions  # noqa: PLC0415 - lazy on purpose
    from ..apply.batch import destroy_each  # noqa: PLC0415
    from ..apply.redact import keeping_out  # noqa: PLC0415

    with keeping_out(plans):
        result = destroy_each(
            plans,
            _client_factory(cluster),
            options=ApplyOptions(timeout=timeout),
            progress_for=_progress_factory(),
            concurrency=n,
            verb=verb,
        )
    click.echo(_destroy_report(result, output), nl=False)
    _finish(result)


def run_destroy_expired(
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    cluster: dict[str, Any],
    *,
    timeout: int | None,
    output: Output,
    dry_run: bool,
    concurrency: int,
) -> None:
    """Find every expired preview on the cluster and destroy each (or say what would go)."""
    from ..apply.destroy import preview_destroy  # noqa: PLC0415 - lazy on purpose
    from ..apply.previews import expired_previews, list_previews  # noqa: PLC0415

    # The shared variables say where the operator release is; each preview's
    # identity (cluster_name, namespace) comes from the cluster itself.
    base = command_variables(var_files, var_options, expect_mode="apply")
    now = datetime.now(UTC)
    with _client_factory(cluster)() as kube:
        expired = expired_previews(list_previews(kube), now)
        plans = [
            build_plan(base.replace(cluster_name=p.name, namespace=p.namespace)) for p in expired
        ]
        if dry_run:
            would = {
                f"{p.namespace}/{p.name}": [str(ref) for ref in preview_destroy(plan, kube).deleted]
                for p, plan in zip(expired, plans, strict=True)
            }
    if dry_run:
        click.echo(_dry_run_report(expired, would, now, output), nl=False)
        return
    if not plans:
        click.echo("No expired previews.\n" if output == "text" else "[]\n", nl=False)
        return
    run_destroy_each(plans, cluster, timeout, output, concurrency, verb="destroy --expired")


# ---------------------------------------------------------------------- helpers


def _client_factory(cluster: dict[str, Any]) -> Any:
    """Clients for the preview threads, all from one connection resolved here, before any
    thread starts: the kubeconfig is read once (a bad one fails the run at once, not every
    preview), and no two threads parse one at the same moment (lightkube converts it with
    msgspec, whose first conversion to a type crashed, SIGSEGV, when two threads raced)."""
    from ..apply import KubeClient, RetryPolicy, load_connection  # noqa: PLC0415

    connection = load_connection(cluster["kubeconfig"], cluster["context"])

    def open_client() -> AbstractContextManager[KubeClient]:
        return KubeClient.connect(
            connection,
            request_timeout=cluster["request_timeout"],
            retry=RetryPolicy(attempts=cluster["retries"] + 1),
        )

    return open_client


def _progress_factory() -> Any:
    from ..apply import PlainProgress  # noqa: PLC0415
    from ..apply.batch import LockedWriter  # noqa: PLC0415

    # One plain line per event, prefixed by the preview: a live display cannot
    # show many previews at once.
    write = LockedWriter(lambda line: click.echo(line, err=True))

    def progress_for(name: str) -> Progress:
        return PlainProgress(lambda message: write(f"[{name}] {message}"))

    return progress_for


def _finish(result: BatchResult) -> None:
    for failure in result.failures:
        click.echo(f"failed: {failure.preview}: {failure.error}", err=True)
    click.echo(result.summary(), err=True)
    if not result.ok:
        sys.exit(EXIT_FAILURE)


def _destroy_report(result: BatchResult, output: Output) -> str:
    if output == "json":
        return to_json(result.to_dict())
    lines = []
    for outcome in result.outcomes:
        if not outcome.ok:
            lines.append(f"{outcome.preview}: failed: {outcome.error}")
            continue
        report = outcome.to_dict()
        lines.append(f"{outcome.preview}: deleted {len(report.get('deleted', []))} objects")
        lines.extend(
            f"  kept {k['kind']} {k['name']}: {k['reason']}" for k in report.get("kept", [])
        )
    lines.append(result.operator)
    return "\n".join(lines) + "\n"


def _dry_run_report(
    expired: Sequence[Any], would: dict[str, list[str]], now: datetime, output: Output
) -> str:
    if output == "json":
        rows = [{**p.to_dict(now), "would_delete": would[p.key]} for p in expired]
        return json.dumps(rows, indent=2) + "\n"
    if not expired:
        return "No expired previews.\n"
    lines = []
    for preview in expired:
        expires = preview.to_dict(now)["expires"]
        lines.append(f"would destroy {preview.key} (ttl {preview.ttl}, expired at {expires}):")
        lines.extend(f"  - {ref}" for ref in would[preview.key])
    plural = "" if len(expired) == 1 else "s"
    lines.append(f"{len(expired)} expired preview{plural}; nothing deleted (dry run)")
    return "\n".join(lines) + "\n"
