"""The subset of OData ``$filter`` that Partner Center documents for referrals.

Only the documented fields can be filtered (plus ``createdDateTime``, which the reconciliation
protocol relies on); anything else, ``externalReferenceId`` included, is a 400, because that is
what code written against the sandbox must be prepared for in production. Grammar::

    expr       := and_expr ('or' and_expr)*
    and_expr   := unary ('and' unary)*
    unary      := 'not' unary | '(' expr ')' | comparison | lambda
    comparison := path OP literal           OP in eq ne gt ge lt le
    lambda     := 'team' '/' ('any'|'all') '(' var ':' expr ')'   inside: var/email
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.timefmt import parse_ticks

Predicate = Callable[[dict[str, Any]], bool]

# canonical path -> kind of value ("str" or "time")
FILTERABLE: dict[str, str] = {
    "engagementId": "str",
    "status": "str",
    "substatus": "str",
    "createdDateTime": "time",
    "updatedDateTime": "time",
    "qualification": "str",
    "type": "str",
    "direction": "str",
    "customerProfile/address/country": "str",
}
LAMBDA_COLLECTIONS: dict[str, dict[str, str]] = {"team": {"email": "str"}}
ORDERABLE = ("createdDateTime", "updatedDateTime")

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<str>'(?:[^']|'')*')"
    r"|(?P<time>\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)"
    r"|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<punct>[(),:])"
    r"|(?P<word>[A-Za-z_$][A-Za-z0-9_$]*(?:/[A-Za-z_$][A-Za-z0-9_$]*)*)"
    r")",
)
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}
MAX_DEPTH = 32
MAX_LENGTH = 4096


class FilterError(ValueError):
    """The filter cannot be parsed or names a field that is not filterable."""


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FilterError(f"syntax error at position {pos} in $filter")
        kind = match.lastgroup or ""
        tokens.append(_Tok(kind, match.group(kind)))
        pos = match.end()
    return tokens


def _resolve(path: str, fields: dict[str, str]) -> tuple[str, str]:
    lowered = {name.lower(): name for name in fields}
    canonical = lowered.get(path.lower())
    if canonical is None:
        raise FilterError(
            f"'{path}' is not a filterable property of a referral; "
            f"filterable: {', '.join(sorted(fields))}"
        )
    return canonical, fields[canonical]


def _lookup(obj: Any, path: str) -> Any:
    for part in path.split("/"):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _literal(tok: _Tok, kind: str) -> Any:
    if tok.kind == "str":
        value: Any = tok.text[1:-1].replace("''", "'")
    elif tok.kind == "time":
        value = tok.text
    elif tok.kind == "num":
        value = float(tok.text) if "." in tok.text else int(tok.text)
    elif tok.kind == "word" and tok.text.lower() in {"null", "true", "false"}:
        return {"null": None, "true": True, "false": False}[tok.text.lower()]
    else:
        raise FilterError(f"expected a literal, found '{tok.text}'")
    if kind == "time":
        try:
            return parse_ticks(str(value))
        except ValueError as exc:
            raise FilterError(str(exc)) from exc
    if not isinstance(value, str):
        raise FilterError(f"expected a string literal, found {tok.text}")
    return value


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    if op == "gt":
        return bool(left > right)
    if op == "ge":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    return bool(left <= right)


class _Parser:
    def __init__(self, tokens: list[_Tok]) -> None:
        self.tokens, self.pos = tokens, 0
        self.var: str | None = None
        self.var_fields: dict[str, str] = {}
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise FilterError("unexpected end of $filter")
        self.pos += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text.lower() != text:
            raise FilterError(f"expected '{text}', found '{tok.text}'")

    def is_word(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.text.lower() == word

    def expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda obj: any(p(obj) for p in parts)

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.is_word("and"):
            self.take()
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        return lambda obj: all(p(obj) for p in parts)

    def unary(self) -> Predicate:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError(f"$filter is nested more than {MAX_DEPTH} levels deep")
        try:
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> Predicate:
        if self.is_word("not"):
            self.take()
            inner = self.unary()
            return lambda obj: not inner(obj)
        tok = self.peek()
        if tok is not None and tok.text == "(":
            self.take()
            inner = self.expr()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        tok = self.take()
        if tok.kind != "word":
            raise FilterError(f"expected a property name, found '{tok.text}'")
        path = tok.text
        head, _, rest = path.partition("/")
        if self.var is not None and head == self.var:
            field, kind = _resolve(rest, self.var_fields)
        elif path.lower().endswith(("/any", "/all")):
            return self.lambda_(path)
        else:
            field, kind = _resolve(path, FILTERABLE)
        op = self.take().text.lower()
        if op not in _OPS:
            raise FilterError(f"unknown operator '{op}'")
        value = _literal(self.take(), kind)

        def predicate(obj: dict[str, Any]) -> bool:
            actual = _lookup(obj, field)
            if kind == "time" and isinstance(actual, str):
                actual = parse_ticks(actual)
            return _compare(op, actual, value)

        return predicate

    def lambda_(self, path: str) -> Predicate:
        collection, _, quantifier = path.rpartition("/")
        canonical = {k.lower(): k for k in LAMBDA_COLLECTIONS}.get(collection.lower())
        if canonical is None:
            raise FilterError(f"'{collection}' does not support any()/all() in $filter")
        if self.var is not None:
            raise FilterError("nested lambda expressions are not supported")
        self.expect("(")
        var = self.take()
        if var.kind != "word" or "/" in var.text:
            raise FilterError("expected a lambda variable")
        self.expect(":")
        self.var, self.var_fields = var.text, LAMBDA_COLLECTIONS[canonical]
        try:
            inner = self.expr()
        finally:
            self.var = None
        self.expect(")")
        everyone = quantifier.lower() == "all"

        def predicate(obj: dict[str, Any]) -> bool:
            items = obj.get(canonical) or []
            members = [item for item in items if isinstance(item, dict)]
            if everyone:
                return all(inner(m) for m in members)
            return any(inner(m) for m in members)

        return predicate


def compile_filter(text: str) -> Predicate:
    """Compile a ``$filter`` expression into a predicate over referral documents.

    Raises:
        FilterError: syntax error, unknown operator, or a field that is not filterable.
    """
    if len(text) > MAX_LENGTH:
        raise FilterError(f"$filter is longer than {MAX_LENGTH} characters")
    tokens = _tokenize(text)
    if not tokens:
        raise FilterError("$filter is empty")
    parser = _Parser(tokens)
    predicate = parser.expr()
    if parser.peek() is not None:
        raise FilterError(f"unexpected '{parser.peek().text}' in $filter")  # type: ignore[union-attr]
    return predicate


def parse_orderby(text: str) -> list[tuple[str, bool]]:
    """Parse ``$orderby`` into (field, descending) pairs; only created/updated time are allowed.

    Raises:
        FilterError: an unknown field or direction.
    """
    keys: list[tuple[str, bool]] = []
    for clause in text.split(","):
        words = clause.split()
        if not words or len(words) > 2:
            raise FilterError(f"invalid $orderby clause '{clause.strip()}'")
        field = {f.lower(): f for f in ORDERABLE}.get(words[0].lower())
        if field is None:
            raise FilterError(
                f"'{words[0]}' cannot be used in $orderby; allowed: {', '.join(ORDERABLE)}"
            )
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise FilterError(f"invalid $orderby direction '{words[1]}'")
        keys.append((field, direction == "desc"))
    return keys
