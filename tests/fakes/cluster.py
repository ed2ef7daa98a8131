"""A whole fake cluster for apply-mode tests and benchmarks: API server, kubeconfig, helm.

`FakeCluster` bundles the fake API server (with the operator simulated and its
CRD installed), a kubeconfig pointing at it and the `helm` stand-in, plus the
calls tests make most: build a plan from variables, connect, plan, apply and
destroy in-process with tiny retry and poll delays. Everything goes through the
real client code path over HTTP on loopback; nothing in lightkube is mocked.
In-process clients go through a `FaultTransport` (tests/fakes/faults.py), so a
test can inject a network or status fault with `inject(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.faults import FaultTransport, TransportFault
from tests.fakes.helm_fake import FakeHelm
from tests.fakes.helm_storage import USER_AGENT
from tests.fakes.kube_api import FakeKubeApi, RecordedRequest
from tests.fakes.kube_sim import ValkeyOperatorSim
from tests.fakes.kubeconfig import KubeconfigFile
from wildside_valkey.apply import (
    ApplyOptions,
    ApplyResult,
    ChangeSet,
    DestroyResult,
    KubeClient,
    PollPolicy,
    RetryPolicy,
    apply_plan,
    connect_cluster,
    destroy,
    plan_changes,
)
from wildside_valkey.plan import Plan, build_plan
from wildside_valkey.variables import variables_from_mapping

# Tiny delays: the suite must stay fast, and the fake answers at once.
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.01, factor=2.0, max_delay=0.05)
FAST_POLL = PollPolicy(first=0.01, factor=2.0, max_interval=0.05)
QUICK_TIMEOUT = 5


def is_helm_request(request: RecordedRequest) -> bool:
    """Made by the helm stand-in (as real helm would), not by the code under test."""
    return request.headers.get("user-agent") == USER_AGENT


def apply_plan_for(**variables: Any) -> Plan:
    """A plan for these variables, in apply mode."""
    return build_plan(variables_from_mapping({"mode": "apply", **variables}))


@dataclass
class FakeCluster:
    api: FakeKubeApi
    kubeconfig: KubeconfigFile
    helm: FakeHelm
    operator: ValkeyOperatorSim
    retry: RetryPolicy = field(default=FAST_RETRY)
    request_timeout: float = 2.0
    faults: list[TransportFault] = field(default_factory=list)

    # ------------------------------------------------------------ in-process

    def inject(self, *faults: TransportFault) -> None:
        """Fail in-process requests at the transport seam (see tests/fakes/faults.py)."""
        self.faults.extend(faults)

    def client(self, **kwargs: Any) -> KubeClient:
        kwargs.setdefault("retry", self.retry)
        kwargs.setdefault("request_timeout", self.request_timeout)
        kwargs.setdefault("transport", FaultTransport(*self.faults))
        return connect_cluster(self.kubeconfig.path, self.kubeconfig.context, **kwargs)

    def plan_changes(self, plan: Plan) -> ChangeSet:
        with self.client() as kube:
            return plan_changes(plan, kube)

    def apply(self, plan: Plan, **options: Any) -> ApplyResult:
        options.setdefault("timeout", QUICK_TIMEOUT)
        options.setdefault("poll", FAST_POLL)
        with self.client() as kube:
            return apply_plan(plan, kube, options=ApplyOptions(**options))

    def destroy(self, plan: Plan, **options: Any) -> DestroyResult:
        options.setdefault("timeout", QUICK_TIMEOUT)
        options.setdefault("poll", FAST_POLL)
        with self.client() as kube:
            return destroy(plan, kube, options=ApplyOptions(**options))

    # ------------------------------------------------------------------- CLI

    def cli_args(self) -> list[str]:
        return ["--kubeconfig", str(self.kubeconfig.path), "--context", self.kubeconfig.context]

    # --------------------------------------------------------------- records

    def requests(self) -> list[RecordedRequest]:
        """The product's requests: those the helm stand-in made as helm are left out."""
        return [r for r in self.api.requests() if not is_helm_request(r)]

    def helm_requests(self) -> list[RecordedRequest]:
        return [r for r in self.api.requests() if is_helm_request(r)]

    def calls(self) -> list[str]:
        """`METHOD path` of every request, in order (queries left out)."""
        return [f"{r.method} {r.path}" for r in self.requests()]

    def mutating(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests() if r.mutating]

    def helm_commands(self) -> list[str]:
        return [call.command for call in self.helm.calls()]

    def reset_records(self) -> None:
        self.api.clear_requests()
        if self.helm.log_path.exists():
            self.helm.log_path.unlink()

    def objects(self, resource: str, namespace: str | None = None) -> Iterator[dict[str, Any]]:
        yield from self.api.objects(resource, namespace)
