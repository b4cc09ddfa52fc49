"""Plain-English sentences from the figures, that never claim more than the numbers show.

Rules (settings in ``[narrative]``):
- a count that disclosure control hides is never compared ("too few to compare");
- a period with no data on both sides is never compared (``contextmap.coverage``): the
  sentence gives the count and says why ("no earlier data");
- two counts are "about the same" unless an exact Poisson test (the conditional binomial
  test of ``now`` out of ``now + before`` against an even split, both periods being the
  same length) finds a difference at ``alpha``; the sentence names the test and its p.
  The headline cards use the same :func:`compare`, so a card never shows a rise that
  the sentence calls "about the same";
- two shares are "about the same" unless Fisher's exact test on their counts finds a
  difference at ``alpha`` (:func:`compare_shares`, used by the cards);
- a percentage is quoted only when the earlier count is at least ``min_base``; below it
  the sentence gives the two counts instead;
- a subgroup "drives" a change only when the change is real, the subgroup moved the same
  way, and it accounts for more than ``driver_share`` of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binomtest, fisher_exact

from contextmap import disclosure, fmt, rhi_view, settings

PREVIOUS = {"month": "last month", "quarter": "the previous quarter", "year": "the previous year"}
LAST_YEAR = {"month": "the same month last year", "quarter": "the same quarter last year", "year": "the previous year"}


@dataclass(frozen=True)
class Change:
    """How one count moved: ``kind`` is rise, fall, same or suppressed; ``pct`` only when quotable."""

    kind: str
    now: float | None
    before: float | None
    pct: float | None = None
    p_value: float | None = None
    test: str = "exact Poisson test"


def compare(now, before, policy: disclosure.Policy, *, alpha: float | None = None, min_base: int | None = None) -> Change:
    """Classify the move from ``before`` to ``now`` (two counts over periods of the same length)."""
    cfg = settings.current().narrative
    alpha = cfg.alpha if alpha is None else alpha
    min_base = cfg.min_base if min_base is None else min_base
    now, before = int(now or 0), int(before or 0)
    if disclosure.is_suppressed(now, policy) or disclosure.is_suppressed(before, policy):
        return Change("suppressed", None, None)
    if now + before == 0:
        return Change("same", now, before, p_value=1.0)
    p = binomtest(now, now + before, 0.5).pvalue
    if p >= alpha:
        return Change("same", now, before, p_value=p)
    pct = 100 * (now - before) / before if before >= min_base else None
    return Change("rise" if now > before else "fall", now, before, pct, p)


def compare_shares(num_now, den_now, num_before, den_before, policy: disclosure.Policy, *,
                   alpha: float | None = None) -> Change:
    """Classify the move of a share from ``num_before / den_before`` to ``num_now / den_now``.

    Fisher's exact test on the 2×2 table of the two periods' counts; ``now`` and ``before``
    of the result are the shares. Suppressed when either share is hidden.
    """
    alpha = settings.current().narrative.alpha if alpha is None else alpha
    now = disclosure.protect_share(num_now, den_now, policy)
    before = disclosure.protect_share(num_before, den_before, policy)
    if now is None or before is None:
        return Change("suppressed", None, None)
    # Perturbed counts can show a part above its whole: the part is then the whole.
    parts = [min(int(num_now), int(den_now)), min(int(num_before), int(den_before))]
    table = [[parts[0], int(den_now) - parts[0]], [parts[1], int(den_before) - parts[1]]]
    p = float(fisher_exact(table).pvalue)
    fisher = "Fisher's exact test"
    if p >= alpha:
        return Change("same", now, before, p_value=p, test=fisher)
    return Change("rise" if now > before else "fall", now, before, p_value=p, test=fisher)


def test_phrase(change: Change) -> str:
    """The test behind a verdict, e.g. "exact Poisson test, p = 0.03"."""
    # Three decimals below 0.01, so a p of 0.004 never reads as "p = 0.00".
    if change.p_value < 0.001:
        p = "p < 0.001"
    else:
        p = f"p = {change.p_value:.3f}" if change.p_value < 0.0095 else f"p = {change.p_value:.2f}"
    return f"{change.test}, {p}"


def driver(now_parts: dict, before_parts: dict, change: Change, share: float | None = None) -> str | None:
    """The subgroup that accounts for most of a real change, or None.

    ``now_parts`` and ``before_parts`` map subgroup label → count (they need not cover
    every label in both). A subgroup qualifies when it moved the same way as the total
    and its own change is more than ``share`` of the total change. Two subgroups that moved
    alike tie and neither is named (naming one was an accident of set order, and changed
    from one run to the next).
    """
    if change.kind not in ("rise", "fall"):
        return None
    share = settings.current().narrative.driver_share if share is None else share
    total = change.now - change.before
    moved = {label: (now_parts.get(label) or 0) - (before_parts.get(label) or 0)
             for label in set(now_parts) | set(before_parts)}
    qualified = {label: abs(d) for label, d in moved.items() if d * total > 0 and abs(d) > share * abs(total)}
    if not qualified:
        return None
    top = max(qualified.values())
    leaders = [label for label, d in qualified.items() if d == top]
    return leaders[0] if len(leaders) == 1 else None


def sentence(subject: str, where: str, change: Change, against: str, policy: disclosure.Policy,
             driven_by: str | None = None) -> str:
    """One sentence, e.g. "Missing episodes in Dewsbury rose 18% on last month (from 120 to 142), driven by looked-after children."

    ``subject`` is a plural noun phrase, ``where`` e.g. "in Dewsbury" or "across Kirklees",
    ``against`` the comparison period in words (e.g. "last month").
    """
    head = f"{subject} {where}".strip()
    if change.kind == "suppressed":
        return f"{head}: numbers too small to compare with {against}."
    now, before = fmt.number(change.now), fmt.number(change.before)
    if change.kind == "same":
        if change.now == change.before:
            return f"{head} were the same as {against} ({now})."
        return f"{head} were about the same as {against} ({now}, against {before}; {test_phrase(change)})."
    verb = "rose" if change.kind == "rise" else "fell"
    if change.pct is None:
        text = f"{head} {verb} from {before} to {now} compared with {against} ({test_phrase(change)})"
    else:
        text = f"{head} {verb} {abs(change.pct):.0f}% on {against} (from {before} to {now}; {test_phrase(change)})"
    if driven_by:
        text += f", driven by {driven_by}"
    return text + "."


def not_compared(subject: str, where: str, now, against: str, reason: str, policy: disclosure.Policy) -> str:
    """A count with no fair comparison, e.g. "Missing episodes across Kirklees: 161, not compared
    with last month (no earlier data)."."""
    head = f"{subject} {where}".strip()
    shown = "too few to show" if disclosure.is_suppressed(now, policy) else fmt.number(now)
    return f"{head}: {shown}, not compared with {against} ({reason})."


def where_phrase(locality: str, area: str) -> str:
    """ "in Dewsbury" for a locality, "across Kirklees" for the whole area."""
    return f"across {area}" if locality == "All" else f"in {locality}"


GROUP_PHRASES = {
    "looked_after": {"Looked after": "looked-after children", "Not looked after": "children not looked after"},
    "sex": {"F": "girls", "M": "boys"},
}
SUBJECTS = {
    "episodes": "Missing episodes",
    "children": "Children going missing",
    "repeat_children": "Repeat missing children (three or more episodes in 90 days)",
    "offences": "Offences involving young people",
    "serious_violence": "Serious youth violence offences",
    "weapon_offences": "Offences involving a weapon",
}


def _phrase(dimension: str, group: str) -> str | None:
    if dimension in GROUP_PHRASES:
        return GROUP_PHRASES[dimension].get(group)
    if dimension == "locality":
        return f"episodes in {group}" if group != "Unknown" else None
    if dimension == "age_band":
        return f"children aged {group.replace('-', '–')}" if group not in ("Unknown", "18+") else None
    return None


def _index(groups) -> dict:
    """``overview_groups`` rows as {(measure, dimension): {group: n}} (None or empty: {})."""
    out: dict = {}
    if groups is None:
        return out
    for measure, dimension, grp, n in zip(groups["measure"], groups["dimension"], groups["grp"], groups["n"]):
        out.setdefault((measure, dimension), {})[grp] = n
    return out


def _parts(groups, measure: str, dimension: str) -> dict:
    index = groups if isinstance(groups, dict) else _index(groups)
    return index.get((measure, dimension), {})


def explain(groups_now, groups_before, measure: str, change: Change, dimensions) -> str | None:
    """The first dimension whose subgroup drives ``change``, as a phrase ("looked-after children")."""
    for dimension in dimensions:
        label = driver(_parts(groups_now, measure, dimension), _parts(groups_before, measure, dimension), change)
        phrase = _phrase(dimension, label) if label is not None else None
        if phrase:
            return phrase
    return None


def overview_sentences(rows: dict, groups: dict, period: str, locality: str, area: str,
                       policy: disclosure.Policy, rhi_target: float | None = None, gaps: dict | None = None,
                       unavailable: dict | None = None, running: str | None = None) -> list[str]:
    """The overview's plain-English summary.

    ``rows`` maps "now", "before" and "last_year" to a headline row (``headline.headline_row``);
    ``groups`` maps the same keys to ``overview_groups`` results (or None). ``gaps`` maps
    (measure key, "before" or "last_year") to why that comparison has no data on both
    sides; ``unavailable`` maps a measure key to a sentence saying why it is not shown
    at all (its source switched off, or not in the build): each such sentence is said once.
    ``running`` says why a period still running is compared with nothing: said once, first,
    and each figure is then given on its own.
    """
    gaps, unavailable = gaps or {}, unavailable or {}
    where = where_phrase(locality, area)
    dims = ["looked_after", *(["locality"] if locality == "All" else []), "age_band", "sex"]
    groups = {key: _index(frame) for key, frame in groups.items()}
    out = [running] if running else []
    for key, subject in SUBJECTS.items():
        if key in unavailable:
            if unavailable[key] not in out:
                out.append(unavailable[key])
            continue
        if running:
            now = rows["now"][key]
            out.append(f"{subject} {where}: {'too few to show' if disclosure.is_suppressed(now, policy) else fmt.number(now)}.")
            continue
        for other, against in (("before", PREVIOUS[period]), ("last_year", LAST_YEAR[period])):
            # A year's year before is the previous year: said once.
            if other == "last_year" and (key not in ("episodes", "offences") or period == "year"):
                continue
            if gaps.get((key, other)):
                out.append(not_compared(subject, where, rows["now"][key], against, gaps[(key, other)], policy))
                continue
            change = compare(rows["now"][key], rows[other][key], policy)
            measure = "episodes" if key == "episodes" else "offences" if key == "offences" else None
            by = explain(groups.get("now"), groups.get(other), measure, change, dims) if measure else None
            out.append(sentence(subject, where, change, against, policy, by))
    if locality == "All" and not running and "episodes" not in unavailable and not gaps.get(("episodes", "before")):
        for place in sorted(_parts(groups.get("now"), "episodes", "locality")):
            if place == "Unknown":
                continue
            change = compare(_parts(groups.get("now"), "episodes", "locality").get(place, 0),
                             _parts(groups.get("before"), "episodes", "locality").get(place, 0), policy)
            if change.kind in ("rise", "fall"):
                now_la = {k.split("|")[1]: v for k, v in _parts(groups.get("now"), "episodes", "locality_la").items()
                          if k.startswith(place + "|")}
                before_la = {k.split("|")[1]: v for k, v in _parts(groups.get("before"), "episodes", "locality_la").items()
                             if k.startswith(place + "|")}
                label = driver(now_la, before_la, change)
                out.append(sentence("Missing episodes", f"in {place}", change, PREVIOUS[period], policy,
                                    _phrase("looked_after", label) if label else None))
    if rhi_target is not None and "rhi_72h_share" not in unavailable:
        share = disclosure.protect_share(rows["now"]["rhi_offered_72h"], rows["now"]["rhi_eligible"], policy)
        if share is not None:
            side = "at or above" if 100 * share >= rhi_target else "below"
            out.append(f"Return home interviews were offered within {rhi_view.HOURS} hours after {fmt.percent(share)} "
                       "of returns "
                       f"{where}, {side} the local target of {rhi_target:.0f}%.")
    return out
