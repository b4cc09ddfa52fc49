"""The reject checks of the staging SQL: each a :class:`~pipelines.ingest.source.Check`,
rendered into the ``_errs`` column (a row's rejects; empty means accepted).

A rejected value is kept only as its shape (``cm_mask``: any cell could hold free text);
a source's private columns show nothing and its postcode columns only the district.
"""

from __future__ import annotations

import re

from pipelines.ingest import sqlparts as sp
from pipelines.ingest.source import Check, Source

ERR_TYPE = "struct(column_name varchar, value varchar, reason varchar)"
# Id columns kept or pseudonymised as given: a formula there is a broken export, so the row
# is rejected. Kept text (place names) is neutralised instead (``cm_clean_text``), and codes
# are checked against their lists.
FORMULA_CHECKED = ("episode_id", "person_id", "rhi_id", "offence_id", "place_id", "found_place_id", "action_id",
                   "area_code", "crime_id", "miss_table_id", "miss_la_person_id", "pers_person_id")
NO_VALUE = "null::varchar"
# Where a check's ``cond`` breaks a line, it goes on indented for the ``_errs`` column (see ``errs``).
BREAK = "\n            "


def q(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def err(cond: str, column: str, reason: str, value: str | None = None) -> Check:
    """``cond`` true → reject the row with ``reason`` (an SQL expression) against ``column``."""
    return Check(cond, column, reason, value)


def _value(source: Source, check: Check, indent: str) -> str:
    if check.value is not None:
        return check.value
    if check.column in source.private:
        return NO_VALUE
    if check.column in source.postcodes:
        col = check.column
        return (f"case when {col} is null then '(empty)'\n"
                f"{indent}    else coalesce(cm_pc_district(cm_pc({col})), '(not a postcode)') end")
    return f"cm_mask({check.column})"


def _literal(sql: str, indent: str, width: int = 96) -> str:
    """``sql``; a long string literal split into pieces joined by ``||`` on lines of their own
    (the same value, within sqlfluff's line length)."""
    if len(sql) <= width or not re.fullmatch(r"'(?:[^']|'')*'", sql):
        return sql
    pieces, piece = [], ""
    for word in re.findall(r"[^ ]+ *", sql[1:-1]):
        if piece and len(piece) + len(word) > width:
            pieces.append(piece)
            piece = ""
        piece += word
    pieces.append(piece)
    return f"\n{indent}    || ".join(f"'{p}'" for p in pieces)


def render(source: Source, check: Check, indent: str = "") -> str:
    """SQL of one check: its {column_name, value, reason} when ``cond`` holds, else NULL
    (``indent``: that of the line it starts on)."""
    inner = indent + "    "
    return (f"case when {check.cond} then {{\n"
            f"{inner}'column_name': {q(check.column)},\n"
            f"{inner}'value': {_value(source, check, inner)},\n"
            f"{inner}'reason': {_literal(check.reason, inner)}\n"
            f"{indent}}} end")


def errs(source: Source, checks: list[Check], indent: str = "    ") -> str:
    """SQL for ``_errs``: the list of a row's rejects, built only for rows failing some check
    (most rows pass, and building a list of structs per row dominated staging).

    A check's ``cond`` may span lines, its continuation lines indented as :data:`BREAK`
    (for the default ``indent``: four spaces more than the line each check starts on)."""
    any_fails = f"\n{indent}    or ".join(f"({c.cond})" for c in checks)
    items = f",\n{indent}    ".join(render(source, c, indent + "    ") for c in checks)
    return (f"case when {any_fails}\n"
            f"{indent}then list_filter([\n{indent}    {items}\n{indent}], lambda e: e is not null)::{ERR_TYPE}[]\n"
            f"{indent}else []::{ERR_TYPE}[] end as _errs")


def generic(source: Source) -> list[Check]:
    """Checks every source gets: a repeated header row, and spreadsheet formulas in ids."""
    first = source.columns[0]
    checks = [err(f"lower({first}) = {q(first)}", first, q("this row repeats the header row inside the data"),
                  NO_VALUE)]
    for col in (c for c in FORMULA_CHECKED if c in source.columns):
        checks.append(err(f"left({col}, 1) in ('=', '+', '@')"
                          f"{BREAK}and regexp_matches({col}, '^[=+@]\\s*[A-Za-z_.]+\\s*\\(')", col, q(f"{col} holds a spreadsheet formula (such as =HYPERLINK(...)), not a value")))
    return checks


def required(*cols: str) -> list[Check]:
    """A missing value in any of ``cols``."""
    return [err(f"{col} is null", col, q(f"{col} is missing (required)")) for col in cols]


def code(col: str, expr_ok: str, allowed) -> Check:
    """A value of ``col`` for which ``expr_ok`` fails: an unknown code."""
    return err(f"{col} is not null and not ({expr_ok})", col, q(f"unknown {col} code (expected one of {', '.join(allowed)})"))


def date(col: str, parsed: str) -> Check:
    """A value of ``col`` that ``parsed`` could not read as a date (the reason says why)."""
    return err(f"{col} is not null and {parsed} is null", col, f"cm_date_reason({col}, {q(col)})")


def future(col: str, parsed: str) -> Check:
    """A date more than a day after the build (time zones and clocks aside)."""
    return err(f"{parsed} > current_timestamp::timestamp + interval 1 day", col, q(f"{col} is in the future"))


def too_old(col: str, parsed: str) -> Check:
    """A date before 1990: a typing mistake, not a record."""
    return err(f"{parsed} < timestamp '1990-01-01'", col, q(f"{col} is implausibly early (before 1990)"))


def flag(col: str, accepted: str = " (Y/N, Yes/No, TRUE/FALSE, 1/0)") -> Check:
    """A value of ``col`` that is not a yes/no flag."""
    return err(f"cm_flag_bad({col})", col, q(f"{col} is not a yes/no flag{accepted}"))


def dup_join(keys: list[str], alias: str = "s") -> str:
    """LEFT JOIN giving ``_first``, the first row of each key value that repeats in the file.

    (An aggregate over the keys is much cheaper than a sorting window over every row.)
    """
    cond = " and ".join(f"dup.{k} is not distinct from {alias}.{k}" for k in keys)
    cols = ", ".join(keys)
    return (f"left join (\n"
            f"            select {cols}, min(_row) as _first\n"
            f"            from src group by {cols} having count(*) > 1\n"
            f"        ) as dup\n"
            f"            on {cond}")


def duplicate(col: str, reason: str | None = None) -> Check:
    """A row repeating an earlier row's id (``_dup`` > 1, from :func:`dup_join`)."""
    return err("_dup > 1", col, q(reason or f"duplicate {col} within the file (the first row with it was kept)"))


def places_join(col: str, alias: str = "s") -> str:
    """LEFT JOIN giving ``known_place``, the place id of ``col`` when the places file has it."""
    return (f"left join (select place_id as known_place from stg_places) as kp\n"
            f"            on kp.known_place = {alias}.{col}")


def place_known(col: str) -> Check:
    """A place id that is not in the places file (``known_place``, from :func:`places_join`)."""
    return err(f"{col} is not null and known_place is null", col, q(f"{col} is not in the places file"))


def latlon(lat: str, lon: str) -> list[Check]:
    """A point outside Great Britain, or only one half of it."""
    return [
        err(f"cm_lat_bad({lat})", lat, q(f"{lat} is not a latitude in Great Britain (WGS84 degrees)")),
        err(f"cm_lon_bad({lon})", lon, q(f"{lon} is not a longitude in Great Britain (WGS84 degrees)")),
        err(f"({lat} is null) <> ({lon} is null)", lat, q(f"{lat} and {lon} must be given together")),
    ]


def age(col: str = "age") -> list[Check]:
    """An age that is not a whole number from 0 to ``MAX_AGE``."""
    return [
        err(f"cm_int_bad({col})", col, q("age is not a whole number")),
        err(f"not cm_int_bad({col}) and cm_num({col}) < 0", col, q("age is negative")),
        err(f"not cm_int_bad({col}) and cm_num({col}) > {sp.MAX_AGE}", col, q(f"age is implausible (over {sp.MAX_AGE})")),
    ]


def demography() -> list[Check]:
    """Unknown sex or ethnicity codes."""
    return [
        code("sex", "cm_sex(sex) is not null", ["F", "M", "X", "U"]),
        code("ethnicity", "cm_ethnic_group(ethnicity) is not null",
             ["a DfE code such as WBRI, MWBC, AIND, BCRB, OOTH, REFU, NOBT"]),
    ]
