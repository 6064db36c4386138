"""The selectors a PromQL expression reads, found by walking promql-parser's tree."""

from __future__ import annotations

from collections.abc import Iterator

import promql_parser as pp


def selectors(node: object) -> Iterator[pp.VectorSelector]:
    if isinstance(node, pp.VectorSelector):
        yield node
    elif isinstance(node, pp.MatrixSelector):
        yield node.vector_selector
    elif isinstance(node, pp.Call):
        for arg in node.args:
            yield from selectors(arg)
    elif isinstance(node, pp.BinaryExpr):
        yield from selectors(node.lhs)
        yield from selectors(node.rhs)
    elif isinstance(node, pp.AggregateExpr | pp.ParenExpr | pp.UnaryExpr | pp.SubqueryExpr):
        yield from selectors(node.expr)


def metric_names(query: str) -> set[str]:
    return {selector.name for selector in selectors(pp.parse(query)) if selector.name}
