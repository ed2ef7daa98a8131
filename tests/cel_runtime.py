"""A real CEL runtime (Google's C++ implementation, PyPI ``cel-expr-python``) bound
the two ways the tests need it.

It errors where cel-go errors: an identifier that is not bound, ``has()`` or
``.?`` on a missing variable, a field read on a missing key. (``cel-python`` is
lenient there, answering ``has()`` on a missing variable with false, so it
would hide exactly the failures these tests look for.)

* CRD validation rules (``x-kubernetes-validations``): type-checked, with the
  value at the rule's node bound to ``self`` as the API server does.
* Flux ``healthCheckExprs``: fluxcd/pkg ``runtime/cel/expression.go``
  (NewExpression, no ``WithCompile``) only *parses* the expression, in an
  environment with ``cel.OptionalTypes()`` and the strings extension, and
  ``EvaluateBoolean`` passes the object's own top-level fields
  (``u.UnstructuredContent()``) as the activation; a non-bool result is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_optional, ext_strings


class CelEvaluationError(ValueError):
    """The expression did not evaluate to a bool (cel-go returns an error there too)."""


def _extensions() -> list[cel.CelExtensionBase]:
    return [ext_optional.ExtOptional(), ext_strings.ExtStrings()]


@cache
def _rule_env() -> cel.Env:
    return cel.NewEnv(variables={"self": cel.Type.DYN}, extensions=_extensions())


@cache
def _flux_env() -> cel.Env:
    return cel.NewEnv(extensions=_extensions())


@cache
def _compiled_rule(rule: str) -> cel.Expression:
    return _rule_env().compile(rule)


@cache
def _parsed_flux(expression: str) -> cel.Expression:
    return _flux_env().compile(expression, disable_check=True)


def _boolean(value: cel.Value, expression: str) -> bool:
    if value.type().name() == "ERROR":
        raise CelEvaluationError(
            f"failed to evaluate the CEL expression {expression!r}: {value.value()}"
        )
    result = value.plain_value()
    if not isinstance(result, bool):
        raise CelEvaluationError(f"failed to evaluate CEL expression as boolean: {expression!r}")
    return result


def rule_holds(rule: str, value: Any) -> bool:
    """A CRD validation rule with ``self`` bound to ``value``."""
    return _boolean(_compiled_rule(rule).eval(data={"self": value}), rule)


def flux_expression(expression: str, obj: Mapping[str, Any]) -> bool:
    """A Flux health-check expression over an object, bound as kustomize-controller binds it."""
    return _boolean(_parsed_flux(expression).eval(data=dict(obj)), expression)


def flux_health_status(check: Mapping[str, str], obj: Mapping[str, Any]) -> str:
    """``InProgress``, ``Failed`` or ``Current``, as fluxcd/pkg runtime/cel
    status_evaluator.go ``Evaluate`` decides it; an evaluation error is raised, as there.

    The built-in check first (a status.observedGeneration that is an int and differs
    from metadata.generation is InProgress), then inProgress, failed, current in that
    order (RFC 0009); none true is InProgress.
    """
    status = obj.get("status")
    observed = status.get("observedGeneration") if isinstance(status, Mapping) else None
    generation = (obj.get("metadata") or {}).get("generation")
    if isinstance(observed, int) and isinstance(generation, int) and observed != generation:
        return "InProgress"
    for key, result in (("inProgress", "InProgress"), ("failed", "Failed"), ("current", "Current")):
        expression = check.get(key)
        if expression and flux_expression(expression, obj):
            return result
    return "InProgress"
