"""Headline measures for a period: the figures at the top of the overview and the pack.

Pure functions over the raw query results; each figure is passed through disclosure
control here, so the page and the meeting pack show exactly the same thing. A change is
called a rise or fall by the same tests as the sentences (``narrative.compare`` for
counts, ``narrative.compare_shares`` for shares), so a card never contradicts them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from contextmap import disclosure, fmt, narrative, period_guard, rhi_view, settings


@dataclass(frozen=True)
class Measure:
    """How a headline figure is defined (shown as help text; from docs/methods.md).

    ``source`` is the records it counts ("episodes", "rhis" or "offences"): its data
    coverage decides which comparisons are fair, and the Sources filter whether it is shown.
    """

    key: str
    label: str
    help: str
    kind: str = "count"  # "count" or "share"
    numerator: str | None = None
    denominator: str | None = None
    source: str = "episodes"


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
        "rhi_72h_share", f"RHI offered within {rhi_view.HOURS} hours",
        "Share of episodes starting in the period, and since ended, whose return home interview was offered within "
        f"{rhi_view.HOURS} hours of the child's return. Still-missing episodes and sources without times are excluded; an offer "
        "recorded before the return counts from the return.",
        kind="share", numerator="rhi_offered_72h", denominator="rhi_eligible", source="rhis",
    ),
    Measure(
        "rhi_completed_share", "RHI completed",
        "Share of ended episodes whose return home interview took place.",
        kind="share", numerator="rhi_completed", denominator="returned", source="rhis",
    ),
    Measure("offences", "Offences involving young people",
            "Offences with at least one young person recorded (suspect, victim or witness).", source="offences"),
    Measure("serious_violence", "Serious youth violence", "Offences involving young people flagged as serious violence.",
            source="offences"),
    Measure("weapon_offences", "Weapon involved",
            "Offences involving young people where a knife, firearm or other weapon was recorded.", source="offences"),
]
NOT_SHOWN = "—"


@dataclass(frozen=True)
class Figure:
    """One headline figure ready to show: text, comparison texts and its definition.

    ``delta`` (on the previous period) and ``last_year`` are None when there is nothing
    fair to compare; ``delta_arrow`` is "off" when the change is "about the same";
    ``note`` says why a figure or its comparison is missing, or which filters it ignores.
    """

    measure: Measure
    value: str
    delta: str | None
    last_year: str | None
    raw: float | None
    delta_arrow: str = "auto"
    note: str | None = None


def _value(row: pd.Series, m: Measure, policy: disclosure.Policy) -> tuple[str, float | None]:
    if m.kind == "count":
        n = row[m.key]
        return disclosure.fmt_count(n, policy), (None if disclosure.is_suppressed(n, policy) else float(n))
    num, den = row[m.numerator], row[m.denominator]
    share = disclosure.protect_share(num, den, policy)
    return (fmt.percent(share) if share is not None else disclosure.SUPPRESSED), share


def _change(m: Measure, now: pd.Series, before: pd.Series, policy: disclosure.Policy) -> narrative.Change:
    if m.kind == "share":
        return narrative.compare_shares(now[m.numerator], now[m.denominator], before[m.numerator],
                                        before[m.denominator], policy)
    return narrative.compare(now[m.key], before[m.key], policy)


def change_text(m: Measure, change: narrative.Change) -> str | None:
    """The change as a card shows it: "+18%", "-4", "+6 points", or "about the same (+25%)"
    when the test finds no real change; None when either figure is hidden."""
    if change.kind == "suppressed":
        return None
    if m.kind == "share":
        points = round(100 * (change.now - change.before))
        size = f"{points:+d} point{'' if abs(points) == 1 else 's'}"
    else:
        size = count_change(change.now, change.before)
    if change.kind != "same":
        return size
    return "the same" if change.now == change.before else f"about the same ({size})"


def figures(current: pd.Series, previous: pd.Series, last_year: pd.Series, policy: disclosure.Policy,
            gaps: dict | None = None, unavailable: dict | None = None, notes: dict | None = None) -> list[Figure]:
    """Headline figures with change against the previous period and the same period last year.

    ``gaps`` maps (measure key, "before" or "last_year") to why that comparison has no
    data on both sides; ``unavailable`` maps a measure key to why it is not shown at all;
    ``notes`` maps a measure key to the filters it ignores (see ``pack_collect.collect``).
    """
    gaps, unavailable, notes = gaps or {}, unavailable or {}, notes or {}
    out = []
    for m in MEASURES:
        if m.key in unavailable:
            out.append(Figure(m, NOT_SHOWN, None, None, None, "off", unavailable[m.key]))
            continue
        text, now = _value(current, m, policy)
        delta, arrow, ly = None, "off", None
        if gaps.get((m.key, "before")):
            note = f"Not compared: {gaps[(m.key, 'before')]}."
        else:
            note = None
            change = _change(m, current, previous, policy)
            delta = change_text(m, change)
            arrow = "auto" if change.kind in ("rise", "fall") else "off"
        if not gaps.get((m.key, "last_year")):
            ly_text = change_text(m, _change(m, current, last_year, policy))
            ly = None if ly_text is None else f"{ly_text} on last year"
        elif not note:
            note = f"Not compared with last year: {gaps[(m.key, 'last_year')]}."
        note = " ".join(filter(None, [note, notes.get(m.key)])) or None
        out.append(Figure(m, text, delta, ly, now, arrow, note))
    return out


def count_change(now: float | None, before: float | None) -> str | None:
    """A change of a shown count: a percentage from a base of ``[narrative] min_base`` or
    more, else the difference ("+3"), since "+100%" from 4 to 8 overstates it.
    None when either count is hidden."""
    if now is None or before is None:
        return None
    if before < settings.current().narrative.min_base:
        return f"{now - before:+,.0f}"
    return fmt.change(now, before)


def headline_row(episodes: pd.DataFrame, offences: pd.DataFrame) -> pd.Series:
    """Join the one-row results of ``overview_episodes`` and ``overview_offences``."""
    row = pd.concat([episodes.iloc[0], offences.iloc[0]])
    return row.fillna(0)


# Counts a period holds the sum of its parts' of (each record falls in one month); children
# are counted once however many months they appear in.
ADDITIVE = ("episodes", "offences", "serious_violence", "weapon_offences")


def card_row(query, f, policy: disclosure.Policy) -> pd.Series:
    """The headline row of filters ``f`` as the cards show it: a quarter's or a year's count
    that would pin its months or quarters is hidden (:mod:`contextmap.period_guard`)."""
    def row(g) -> pd.DataFrame:
        return headline_row(query("overview_episodes", g), query("overview_offences", g)).to_frame().T

    counts = [m.key for m in MEASURES if m.kind == "count"]
    return period_guard.guard(row, f, policy, keys=[], counts=counts, additive=ADDITIVE).iloc[0]


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
