"""``.tfvars`` files read with OpenTofu's meaning.

python-hcl2 parses the text; its dictionary output is not used, because it turns
expressions into strings (``upper("a")`` becomes the text ``${upper("a")}``) and
keeps interpolations as text. Instead the parse tree is evaluated here the way
tofu evaluates a var file: each attribute's expression with no variables and no
functions (hashicorp/hcl v2, hclsyntax/expression.go, ``ScopeTraversalExpr`` and
``FunctionCallExpr`` evaluated with a nil ``EvalContext``), attributes only and
each once (hclsyntax/structure.go, ``Body.JustAttributes``). The diagnostics use
tofu's summary and detail words.

Literals, tuples, objects, templates whose interpolations are themselves
constant (``"a-${"b"}"``), heredocs and unary minus/not are evaluated as tofu
does; ``$${`` and ``%%{`` are the escapes for a literal ``${`` and ``%{``.
Arithmetic, conditionals, ``for`` and template directives are valid in tofu but
are refused here with a clear message: no var file in practice needs them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..variables.redaction import SECRET_VARIABLE

# Numbers with more digits than any variable can hold are refused before int() makes
# a number of millions of digits out of "1e1000000".
_MAX_EXPONENT = 400
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEREDOC = re.compile(
    r"\A<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n(.*?)^[ \t]*\2[ \t]*\r?\n?\Z", re.DOTALL | re.MULTILINE
)


class HclValueError(Exception):
    """An expression tofu would reject (or this reader does not evaluate), at a position."""

    def __init__(
        self, line: int | None, column: int | None, message: str, bare_word: str | None = None
    ) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message
        # A lone name where a value goes (``cache``): most likely a string left unquoted.
        self.bare_word = bare_word


def parse_tfvars(text: str) -> dict[str, Any]:
    """The attributes of a ``.tfvars`` text with their values; raises ``HclValueError``
    for what tofu rejects and any python-hcl2/lark exception for a syntax error."""
    import hcl2  # noqa: PLC0415 - lazy: slow import, needed only for HCL input

    tree = hcl2.parses_to_tree(text if text.endswith("\n") else text + "\n")
    return _body(tree.children[0])


def parse_hcl_value(text: str) -> Any:
    """One HCL expression (a ``--var`` literal), evaluated as in a var file."""
    return parse_tfvars(f"value = {text}\n")["value"]


def _position(node: Any) -> tuple[int | None, int | None]:
    meta = getattr(node, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return meta.line, meta.column
    line = getattr(node, "line", None)
    return line, getattr(node, "column", None)


def _fail(node: Any, summary: str, detail: str) -> HclValueError:
    line, column = _position(node)
    return HclValueError(line, column, f"{summary}: {detail}")


def _trees(node: Any) -> list[Any]:
    from lark import Tree  # noqa: PLC0415

    return [
        child
        for child in node.children
        if isinstance(child, Tree) and child.data != "new_line_or_comment"
    ]


def _body(body: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    first: dict[str, tuple[int | None, int | None]] = {}
    for item in _trees(body):
        if item.data == "block":
            name = _token_text(item.children[0])
            raise _fail(item, f'Unexpected "{name}" block', "Blocks are not allowed here.")
        if item.data != "attribute":
            continue
        identifier, *_, expression = _trees(item)
        name = _token_text(identifier)
        if name in first:
            line, column = first[name]
            raise _fail(
                identifier,
                "Duplicate argument",
                f'Argument "{name}" was already set at line {line}, column {column}. '
                "Each argument may be set only once.",
            )
        first[name] = _position(identifier)
        try:
            values[name] = _value(expression)
        except HclValueError as error:
            raise _with_quoting_hint(error, name, expression) from None
    return values


def _with_quoting_hint(error: HclValueError, name: str, expression: Any) -> HclValueError:
    """tofu's words, plus the quoted form when a bare word was surely meant as a string."""
    if error.bare_word is None:
        return error
    word = error.bare_word
    if name == SECRET_VARIABLE:
        shown = f'{name} = "..."'  # the word may be the password itself
    elif _token_text(expression).strip() == word:
        shown = f'{name} = "{word}"'
    else:
        shown = f'"{word}"'
    return HclValueError(error.line, error.column, f"{error.message} (strings are quoted: {shown})")


def _token_text(node: Any) -> str:
    from lark import Token  # noqa: PLC0415

    if isinstance(node, Token):
        return str(node)
    return "".join(_token_text(child) for child in node.children)


def _value(node: Any) -> Any:
    kind = node.data
    if kind == "expr_term":
        inner = _trees(node)
        if len(inner) != 1:
            raise _fail(node, "Unsupported expression", "This expression is not supported.")
        return _value(inner[0])
    if kind == "literal_value":
        return {"true": True, "false": False, "null": None}[_token_text(node)]
    if kind in {"int_lit", "float_lit"}:
        return _number(node)
    if kind == "string":
        return _template(node)
    if kind in {"heredoc_template", "heredoc_template_trim"}:
        return _heredoc(node)
    if kind == "tuple":
        return [_value(child) for child in _trees(node)]
    if kind == "object":
        return _object(node)
    if kind == "unary_op":
        return _unary(node)
    if kind in {
        "identifier",
        "get_attr_expr_term",
        "index_expr_term",
        "full_splat_expr_term",
        "attr_splat_expr_term",
    } and _refers_to_variable(node):
        error = _fail(node, "Variables not allowed", "Variables may not be used here.")
        if kind == "identifier":
            error.bare_word = _token_text(node)
        raise error
    if kind == "function_call":
        raise _fail(node, "Function calls not allowed", "Functions may not be called here.")
    raise _fail(
        node,
        "Unsupported expression",
        "wildside-valkey reads var files holding values only: write the value itself "
        "(no operators, conditionals or for expressions).",
    )


def _refers_to_variable(node: Any) -> bool:
    return node.data == "identifier" or any(
        sub.data == "identifier" for sub in node.iter_subtrees()
    )


def _number(node: Any) -> int | float:
    text = _token_text(node)
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise _fail(node, "Invalid number", "This is not a number.") from error
    if abs(number.adjusted()) > _MAX_EXPONENT:
        raise _fail(node, "Number out of range", "This number is too large or too small.")
    # tofu's numbers are exact: 1e1 is the whole number 10, 1.5 stays a fraction.
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def _unary(node: Any) -> Any:
    operator = _token_text(node.children[0]).strip()
    operand = _value(node.children[-1])
    if operator == "-" and isinstance(operand, int | float) and not isinstance(operand, bool):
        return -operand
    if operator == "!" and isinstance(operand, bool):
        return not operand
    raise _fail(node, "Invalid operand", f"Unsuitable value for unary operator {operator!r}.")


def _object(node: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for element in _trees(node):
        key_node, value_node = _trees(element)
        key_expr = _trees(key_node)[0]
        inner = _trees(key_expr)
        if key_expr.data == "expr_term" and len(inner) == 1 and inner[0].data == "identifier":
            key: Any = _token_text(inner[0])  # a bare name is a literal key
        elif key_expr.data == "identifier":
            key = _token_text(key_expr)
        else:
            key = _value(key_expr)
        if isinstance(key, bool) or key is None or isinstance(key, list | dict):
            raise _fail(element, "Incorrect key type", "Can't use this value as a key.")
        # tofu converts number keys to strings; a later duplicate key wins in an object
        # constructor (hclsyntax ObjectConsExpr).
        result[key if isinstance(key, str) else str(key)] = _value(value_node)
    return result


def _template(node: Any) -> str:
    from lark import Token  # noqa: PLC0415

    pieces: list[str] = []
    for part in _trees(node):
        for child in part.children:
            if isinstance(child, Token):
                pieces.append(_unescape(str(child)))
            elif child.data == "interpolation":
                pieces.append(_interpolated(child))
            else:
                raise _fail(
                    child,
                    "Unsupported template directive",
                    "wildside-valkey does not evaluate %{...} directives in var files; use "
                    "%%{ for a literal %{.",
                )
    return "".join(pieces)


def _interpolated(node: Any) -> str:
    value = _value(_trees(node)[0])
    if value is None:
        raise _fail(
            node,
            "Invalid template interpolation value",
            "The expression result is null. Cannot include a null value in a string template.",
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    raise _fail(
        node,
        "Invalid template interpolation value",
        "Cannot include the given value in a string template: string required.",
    )


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        whole = match[0]
        if whole == "$${":
            return "${"
        if whole == "%%{":
            return "%{"
        code = match[1]
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, whole)

    return _ESCAPE.sub(replace, text)


def _heredoc(node: Any) -> str:
    text = _token_text(node)
    match = _HEREDOC.match(text)
    if match is None:
        raise _fail(node, "Invalid heredoc", "The heredoc is not terminated.")
    body = match[3]
    if match[1]:  # <<- strips the smallest common indentation
        lines = body.split("\n")
        indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(indents, default=0)
        body = "\n".join(line[cut:] for line in lines)
    if re.search(r"(?<!\$)\$\{|(?<!%)%\{", body.replace("$${", "").replace("%%{", "")):
        raise _fail(
            node,
            "Unsupported heredoc template",
            "wildside-valkey does not evaluate ${...} or %{...} inside heredocs in var files; "
            "use $${ for a literal ${.",
        )
    return body.replace("$${", "${").replace("%%{", "%{")
