"""Headline measures for a period: the figures at the top of the overview and the pack.

Pure functions over the raw query results; each figure is passed through disclosure
control here, so the page and the meeting pack show exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from contextmap import disclosure, fmt, settings


@dataclass(frozen=True)
class Measure:
    """How a headline figure is defined (shown as help text; from docs/measures.md)."""

    key: str
    label: str
    help: str
    kind: str = "count"  # "count" or "share"
    numerator: str | None = None
    denominator: str | None = None


MEASURES = [
    Measure("episodes", "Missing episodes", "Episodes of a child reported missing (or absent) that started in the period."),
    Measure("children", "Children missing", "Distinct children with at least one episode starting in the period."),
    Measure(
        "repeat_children", "Repeat missing children",
        "Children with an episode in the period who had 3 or more episodes in the 90 days up to it "
        "(the usual trigger for a strategy discussion).",
    ),
    Measure(
        "looked_after_share", "Looked-after share", "Share of episodes where the child was looked after (in care) at the time.",
        kind="share", numerator="looked_after_episodes", denominator="episodes",
    ),
    Measure(
        "rhi_72h_share", "RHI offered within 72 hours",
        "Share of episodes starting in the period, and since ended, whose return home interview was offered within "
        "72 hours of the child's return. Still-missing episodes and sources without times are excluded; an offer "
        "recorded before the return counts from the return.",
        kind="share", numerator="rhi_offered_72h", denominator="rhi_eligible",
    ),
    Measure(
        "rhi_completed_share", "RHI completed",
        "Share of ended episodes whose return home interview took place.",
        kind="share", numerator="rhi_completed", denominator="returned",
    ),
    Measure("offences", "Offences involving young people", "Offences with at least one young person recorded (suspect, victim or witness)."),
    Measure("serious_violence", "Serious youth violence", "Offences involving young people flagged as serious violence."),
    Measure("weapon_offences", "Weapon involved", "Offences involving young people where a knife, firearm or other weapon was recorded."),
]


@dataclass(frozen=True)
class Figure:
    """One headline figure ready to show: text, comparison texts and its definition."""

    measure: Measure
    value: str
    delta: str | None
    last_year: str | None
    raw: float | None


def _value(row: pd.Series, m: Measure, policy: disclosure.Policy) -> tuple[str, float | None]:
    if m.kind == "count":
        n = row[m.key]
        return disclosure.fmt_count(n, policy), (None if disclosure.is_suppressed(n, policy) else float(n))
    num, den = row[m.numerator], row[m.denominator]
    share = disclosure.protect_rate(num, den, policy)
    return (fmt.percent(share) if share is not None else disclosure.SUPPRESSED), share


def figures(current: pd.Series, previous: pd.Series, last_year: pd.Series, policy: disclosure.Policy) -> list[Figure]:
    """Headline figures with change against the previous period and the same period last year."""
    out = []
    for m in MEASURES:
        text, now = _value(current, m, policy)
        _, before = _value(previous, m, policy)
        _, year_ago = _value(last_year, m, policy)
        if m.kind == "share":
            delta = None if now is None or before is None else f"{100 * (now - before):+.0f} points"
            ly = None if now is None or year_ago is None else f"{100 * (now - year_ago):+.0f} points on last year"
        else:
            delta = count_change(now, before)
            ly = None if count_change(now, year_ago) is None else f"{count_change(now, year_ago)} on last year"
        out.append(Figure(m, text, delta, ly, now))
    return out


def count_change(now: float | None, before: float | None) -> str | None:
    """A change of a shown count: a percentage from a base of ``[narrative] min_base`` or
    more, else the difference ("+3"), since "+100%" from 4 to 8 overstates it.
    None when either count is hidden."""
    if now is None or before is None:
        return None
    if before < settings.get("narrative", "min_base"):
        return f"{now - before:+,.0f}"
    return fmt.change(now, before)


def headline_row(episodes: pd.DataFrame, offences: pd.DataFrame) -> pd.Series:
    """Join the one-row results of ``overview_episodes`` and ``overview_offences``."""
    row = pd.concat([episodes.iloc[0], offences.iloc[0]])
    return row.fillna(0)


# Outcome-Based Accountability: the three questions partnerships report against.
SECTIONS = {
    "How much did we do?": ("episodes", "children", "looked_after_share", "offences"),
    "How well did we do it?": ("rhi_72h_share", "rhi_completed_share"),
    "Is anyone better off?": ("repeat_children", "serious_violence", "weapon_offences"),
}


def by_section(figs: list[Figure]) -> dict[str, list[Figure]]:
    """The figures grouped under the three OBA questions, in :data:`SECTIONS` order."""
    keyed = {f.measure.key: f for f in figs}
    return {title: [keyed[k] for k in keys if k in keyed] for title, keys in SECTIONS.items()}
