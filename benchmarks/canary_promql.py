"""A small PromQL evaluator over two scrapes, enough for the canary analysis queries.

`rate(x[w])` and `increase(x[w])` ignore `w` and compare the two scrapes: the window is the
time between them. Supported: selectors, rate/increase, sum/max/min/avg/count with by/without,
histogram_quantile, clamp_min/clamp_max, vector, arithmetic and comparisons with on/ignoring,
and/or/unless. Anything else raises, so a query the demo cannot judge is never judged wrongly.
"""

from __future__ import annotations

import math
import operator
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import promql_parser as pp

Labels = frozenset[tuple[str, str]]
Vector = list[tuple[Labels, float]]
Value = Vector | float
Snapshot = dict[str, list[tuple[dict[str, str], float]]]

_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": lambda a, b: a / b if b else (math.copysign(math.inf, a) if a else math.nan),
}
_COMPARISON: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}


@dataclass(frozen=True, slots=True)
class Scrapes:
    before: Snapshot
    after: Snapshot
    seconds: float


def evaluate(query: str, scrapes: Scrapes) -> Value:
    return _Evaluator(scrapes).eval(pp.parse(query))


class _Evaluator:
    def __init__(self, scrapes: Scrapes) -> None:
        self.scrapes = scrapes

    def eval(self, node: object) -> Value:
        handler = getattr(self, f"_{type(node).__name__}", None)
        if handler is None:
            raise ValueError(f"unsupported PromQL node: {type(node).__name__}")
        return handler(node)  # type: ignore[no-any-return]

    def _NumberLiteral(self, node: pp.NumberLiteral) -> float:
        return float(node.val)

    def _ParenExpr(self, node: pp.ParenExpr) -> Value:
        return self.eval(node.expr)

    def _UnaryExpr(self, node: pp.UnaryExpr) -> Value:
        value = self.eval(node.expr)
        return -value if isinstance(value, float) else [(k, -v) for k, v in value]

    def _VectorSelector(self, node: pp.VectorSelector) -> Vector:
        return _select(self.scrapes.after, node)

    def _Call(self, node: pp.Call) -> Value:
        name, args = node.func.name, node.args
        if name in ("rate", "increase"):
            return self._increase(args[0].vector_selector, per_second=name == "rate")
        if name == "histogram_quantile":
            return _histogram_quantile(_scalar(self.eval(args[0])), _vector(self.eval(args[1])))
        if name in ("clamp_min", "clamp_max"):
            bound, pick = _scalar(self.eval(args[1])), max if name == "clamp_min" else min
            return [(k, pick(v, bound)) for k, v in _vector(self.eval(args[0]))]
        if name == "vector":
            return [(frozenset(), _scalar(self.eval(args[0])))]
        raise ValueError(f"unsupported PromQL function: {name}")

    def _increase(self, selector: pp.VectorSelector, *, per_second: bool) -> Vector:
        before = dict(_select(self.scrapes.before, selector))
        result = []
        for labels, value in _select(self.scrapes.after, selector):
            previous = before.get(labels, 0.0)
            grown = value - previous if value >= previous else value
            result.append((labels, grown / self.scrapes.seconds if per_second else grown))
        return result

    def _AggregateExpr(self, node: pp.AggregateExpr) -> Vector:
        groups: dict[Labels, list[float]] = defaultdict(list)
        modifier = node.modifier
        for labels, value in _vector(self.eval(node.expr)):
            if modifier is None:
                key: Labels = frozenset()
            elif modifier.type == pp.AggModifierType.By:
                key = frozenset((k, v) for k, v in labels if k in modifier.labels)
            else:
                key = frozenset((k, v) for k, v in labels if k not in modifier.labels)
            groups[key].append(value)
        return [(key, _aggregate(str(node.op), values)) for key, values in groups.items()]

    def _BinaryExpr(self, node: pp.BinaryExpr) -> Value:
        op, modifier = str(node.op), node.modifier
        lhs, rhs = self.eval(node.lhs), self.eval(node.rhs)
        keep_bool = bool(modifier and modifier.return_bool)
        if isinstance(lhs, float) and isinstance(rhs, float):
            return _apply(op, lhs, rhs, keep_bool=True) or 0.0
        if isinstance(lhs, float) or isinstance(rhs, float):
            return _with_scalar(op, lhs, rhs, keep_bool=keep_bool)
        matching = modifier.matching if modifier else None
        on = matching is not None and matching.type == pp.LabelModifierType.Include
        names = set(matching.labels) if matching else set()

        def signature(labels: Labels) -> Labels:
            return frozenset((k, v) for k, v in labels if (k in names) == on)

        right = {signature(k): v for k, v in rhs}
        if op in ("and", "unless"):
            return [(k, v) for k, v in lhs if (signature(k) in right) == (op == "and")]
        if op == "or":
            seen = {signature(k) for k, _ in lhs}
            return lhs + [(k, v) for k, v in rhs if signature(k) not in seen]
        result = []
        for labels, value in lhs:
            other = right.get(signature(labels))
            if other is None:
                continue
            out = _apply(op, value, other, keep_bool=keep_bool)
            if out is not None:
                kept = (
                    signature(labels) if on else labels - {(k, v) for k, v in labels if k in names}
                )
                result.append((kept if op in _ARITHMETIC or keep_bool else labels, out))
        return result


def _select(snapshot: Snapshot, selector: pp.VectorSelector) -> Vector:
    checks = [_matcher(m) for m in selector.matchers.matchers]
    return [
        (frozenset(labels.items()), value)
        for labels, value in snapshot.get(selector.name, [])
        if all(check(labels) for check in checks)
    ]


def _matcher(matcher: pp.Matcher) -> Callable[[dict[str, str]], bool]:
    kind, name, wanted = str(matcher.op), matcher.name, matcher.value
    pattern = re.compile(f"^(?:{wanted})$")
    tests: dict[str, Callable[[str], bool]] = {
        "MatchOp.Equal": lambda value: value == wanted,
        "MatchOp.NotEqual": lambda value: value != wanted,
        "MatchOp.Re": lambda value: bool(pattern.match(value)),
        "MatchOp.NotRe": lambda value: not pattern.match(value),
    }
    test = tests.get(kind.split("(")[0])
    if test is None:
        raise ValueError(f"unsupported matcher {kind}")
    return lambda labels: test(labels.get(name, ""))


def _apply(op: str, a: float, b: float, *, keep_bool: bool) -> float | None:
    if op in _ARITHMETIC:
        return _ARITHMETIC[op](a, b)
    if op not in _COMPARISON:
        raise ValueError(f"unsupported operator {op}")
    holds = _COMPARISON[op](a, b)
    if keep_bool:
        return 1.0 if holds else 0.0
    return a if holds else None


def _with_scalar(op: str, lhs: Value, rhs: Value, *, keep_bool: bool) -> Vector:
    result = []
    for labels, value in _vector(lhs if isinstance(rhs, float) else rhs):
        a, b = (value, rhs) if isinstance(rhs, float) else (_scalar(lhs), value)
        out = _apply(op, a, b, keep_bool=keep_bool)
        if out is not None:
            result.append((labels, out if op in _ARITHMETIC or keep_bool else value))
    return result


def _aggregate(op: str, values: list[float]) -> float:
    real = [v for v in values if not math.isnan(v)] or values
    functions: dict[str, Callable[[list[float]], float]] = {
        "sum": lambda vs: float(sum(vs)),
        "max": max,
        "min": min,
        "avg": lambda vs: sum(vs) / len(vs),
        "count": lambda vs: float(len(values)),
    }
    if op not in functions:
        raise ValueError(f"unsupported aggregation {op}")
    return functions[op](real)


def _histogram_quantile(q: float, buckets: Vector) -> Vector:
    series: dict[Labels, list[tuple[float, float]]] = defaultdict(list)
    for labels, count in buckets:
        le = dict(labels).get("le")
        if le is not None:
            series[frozenset(p for p in labels if p[0] != "le")].append((float(le), count))
    return [(labels, _quantile(q, sorted(points))) for labels, points in series.items()]


def _quantile(q: float, points: list[tuple[float, float]]) -> float:
    if len(points) < 2 or points[-1][0] != math.inf or points[-1][1] == 0:
        return math.nan
    rank = q * points[-1][1]
    index = next(i for i, (_, count) in enumerate(points) if count >= rank)
    if index == len(points) - 1:
        return points[-2][0]
    start, below = (points[index - 1][0], points[index - 1][1]) if index else (0.0, 0.0)
    end, count = points[index]
    return start + (end - start) * (rank - below) / (count - below) if count > below else end


def _vector(value: Value) -> Vector:
    if isinstance(value, float):
        raise ValueError("expected an instant vector, got a scalar")
    return value


def _scalar(value: Value) -> float:
    if not isinstance(value, float):
        raise ValueError("expected a scalar, got a vector")
    return value
