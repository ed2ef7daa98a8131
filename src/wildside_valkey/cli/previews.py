"""``wildside-valkey list``: the clusters this tool manages on a live cluster."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import click

from .live import cluster_options
from .options import output_option


@click.command(name="list")
@cluster_options
@output_option
def list_command(output: Literal["text", "json"], **cluster: Any) -> None:
    """List every Valkey cluster wildside-valkey manages on the cluster: namespace,
    name, age, readiness, labels, time to live and expiry (apply's ttl variable).

    Read-only; needs no variables. "(expired)" marks what `destroy --expired` removes.
    """
    from ..apply import RetryPolicy, connect_cluster  # noqa: PLC0415 - lazy on purpose
    from ..apply.previews import format_previews, list_previews  # noqa: PLC0415

    kubeconfig: Path | None = cluster["kubeconfig"]
    with connect_cluster(
        kubeconfig,
        cluster["context"],
        request_timeout=cluster["request_timeout"],
        retry=RetryPolicy(attempts=cluster["retries"] + 1),
    ) as kube:
        previews = list_previews(kube)
    click.echo(format_previews(previews, datetime.now(UTC), output), nl=False)
