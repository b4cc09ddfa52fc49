"""Translate the build's DuckDB models to Spark SQL with sqlglot (optional: ``requirements-scaleout.txt``).

sqlglot translates the dialect. This module adds what sqlglot cannot know: the settings a
model names as ``$parameters``, the build's macros (``sql/macros.sql`` and ``cm_rkey``),
and the few DuckDB forms whose Spark spelling differs in meaning, not just in syntax.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.qualify import qualify

from contextmap import sqlfiles
from pipelines import runner

_MACRO = re.compile(r"create or replace temp macro (\w+)\(([^)]*)\) as\s+(.+?);", re.S | re.I)


def macros(record_key_salt: str) -> dict[str, tuple[list[str], exp.Expression]]:
    """The build's macros by name: their parameter names and parsed DuckDB bodies."""
    text = sqlfiles.read("macros.sql") + sqlfiles.rkey_macro(record_key_salt)
    text = re.sub(r"--[^\n]*", "", text)
    return {
        name.lower(): ([p.strip() for p in params.split(",")], sqlglot.parse_one(body, read="duckdb"))
        for name, params, body in _MACRO.findall(text)
    }


def _call(name: str, node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == name


def _literal(node: exp.Expression) -> str | None:
    while isinstance(node, (exp.Cast, exp.Paren)):
        node = node.this
    return node.name if isinstance(node, exp.Literal) else None


def _spark_forms(node: exp.Expression) -> exp.Expression:
    """DuckDB forms sqlglot would translate literally into a different meaning."""
    # cm_top(histogram(x)): Spark has no histogram-as-map aggregate, but mode(x, true)
    # is the same contract (most frequent non-null value, ties to the smallest).
    if _call("cm_top", node) and len(node.expressions) == 1:
        arg = node.expressions[0]
        inner = arg.this if isinstance(arg, exp.Filter) else arg
        if _call("histogram", inner):
            mode = exp.Anonymous(this="mode", expressions=[inner.expressions[0].copy(), exp.true()])
            return exp.Filter(this=mode, expression=arg.expression.copy()) if isinstance(arg, exp.Filter) else mode
    # md5_number(x) & 255: Spark has no 128-bit integers; DuckDB reads the digest
    # little-endian, so its low byte is the digest's first byte.
    if isinstance(node, exp.BitwiseAnd) and _call("md5_number", node.this):
        if _literal(node.expression) == "255":
            first_byte = exp.Substring(this=exp.MD5(this=node.this.expressions[0].copy()),
                                       start=exp.Literal.number(1), length=exp.Literal.number(2))
            return exp.Anonymous(this="conv", expressions=[first_byte, exp.Literal.number(16), exp.Literal.number(10)])
    # DuckDB's date_diff counts unit boundaries crossed; Spark's counts whole units elapsed.
    if isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary"):
        unit = node.unit.name.upper()
        end, start = (exp.TimestampTrunc(this=side.copy(), unit=exp.Var(this=unit)) for side in (node.this, node.expression))
        return exp.TimestampDiff(this=end, expression=start, unit=exp.Var(this=unit))
    # to_months(n): Spark's year-month interval.
    if _call("to_months", node):
        return exp.Anonymous(this="make_ym_interval", expressions=[exp.Literal.number(0), node.expressions[0].copy()])
    # "as [not] materialized" is a planner hint Spark's parser does not accept.
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node = node.copy()
        node.set("materialized", None)
        return node
    # interval ($n) day: Spark accepts only a bare number there.
    if isinstance(node, exp.Interval) and isinstance(node.this, exp.Paren):
        return exp.Interval(this=node.this.this.copy(), unit=node.unit.copy())
    return node


def _projected_unnests(select: exp.Select) -> list[exp.Explode]:
    """The unnest() calls in a SELECT's own projections (not in its subqueries)."""
    return [e for p in select.expressions for e in p.find_all(exp.Explode)
            if e.find_ancestor(exp.Select) is select]


def _lateral_unnests(node: exp.Expression) -> exp.Expression:
    """unnest() inside an expression, or several in one SELECT (DuckDB zips them, with
    generate_subscripts as the position): Spark allows one generator per SELECT, at the
    top of a projection, so move them to a lateral view, zipping several lists."""
    if not isinstance(node, exp.Select):
        return node
    found = _projected_unnests(node)
    if not found or (len(found) == 1 and any(p.unalias() is found[0] for p in node.expressions)):
        return node
    lists = [e.this for e in found]
    if len(lists) > 1 and not all(isinstance(x, exp.Column) for x in lists):
        return node  # arrays_zip names its fields after columns only
    view = "cm_unnested"
    node = node.copy()
    item = exp.column("item", view)

    def replace(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Explode) and n.this in lists:
            return exp.Dot(this=item, expression=exp.to_identifier(n.this.name)) if len(lists) > 1 else item.copy()
        if _call("generate_subscripts", n) and n.expressions[0] in lists:
            return exp.Paren(this=exp.Add(this=exp.column("pos", view), expression=exp.Literal.number(1)))
        return n

    node.set("expressions", [p.transform(replace) for p in node.expressions])
    source = exp.ArraysZip(expressions=[x.copy() for x in lists]) if len(lists) > 1 else lists[0].copy()
    node.append("laterals", exp.Lateral(
        this=exp.Posexplode(this=source), view=True,
        alias=exp.TableAlias(this=exp.to_identifier(view), columns=[exp.to_identifier("pos"), exp.to_identifier("item")])))
    return node


def _expand(node: exp.Expression, defs: dict) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() in defs:
        params, body = defs[node.name.lower()]
        args = dict(zip(params, node.expressions))
        return exp.Paren(this=body.copy().transform(
            lambda n: args[n.name].copy() if isinstance(n, exp.Column) and not n.table and n.name in args else n))
    return node


def to_spark(sql: str, record_key_salt: str, schema: dict[str, dict[str, str]], params: dict | None = None) -> str:
    """Spark SQL for one DuckDB model: its settings inlined, macros expanded, forms mapped.

    ``schema`` gives the columns of the tables it reads (``{table: {column: type}}``), so
    sqlglot can qualify column references and replace a SELECT alias used in WHERE (a
    DuckDB extension) by its expression.
    """
    values = runner.sql_settings(sql) if params is None else params
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = tree.transform(lambda n: exp.convert(values[n.name]) if isinstance(n, exp.Placeholder) else n)
    try:
        tree = qualify(tree.copy(), dialect="duckdb", schema=schema, expand_stars=False,
                       validate_qualify_columns=False, quote_identifiers=False)
    except OptimizeError:
        pass  # sqlglot cannot resolve every USING join over a CTE it cannot type; Spark resolves the rest
    tree = tree.transform(_spark_forms)
    defs = macros(record_key_salt)
    tree = tree.transform(lambda n: _expand(n, defs))
    tree = tree.transform(_spark_forms)
    tree = tree.transform(_lateral_unnests)
    return tree.sql(dialect="spark", pretty=True)
