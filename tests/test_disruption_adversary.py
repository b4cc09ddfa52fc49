"""An adversary's test of the Disruption page, its export and the meeting pack: everything
they show about an action (figures, verdict, band, words, readings by source, the plot,
the summaries) is a function of the counts as shown. A count shown as "c" may be anything
from 0 to suppress_max; changing it within that range, with every shown count kept, must
change nothing a reader sees, or the page would narrow the hidden count down.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from contextmap import disclosure, pack_collect, queries
from contextmap import disruption_view as dv

P = disclosure.Policy(suppress_max=5)
EVERY = dict(month_from=date(1900, 1, 1), month_to=date(9999, 12, 1), locality="All")
# The counts of the two queries, each paired with the cell key the query returns with it.
COUNTS = ("target_before", "target_after", "control_before", "control_after", "buffer_before", "buffer_after",
          "target_prior")
# Counts shown (and so rounded, where the policy rounds) at the target's level.
TARGET_LEVEL = ("target_before", "target_after", "buffer_before", "buffer_after", "target_prior")
ROUNDED = disclosure.Policy(suppress_max=5, round_small_areas=True, round_base=5)


def _pack(actions: pd.DataFrame, policy=P):
    """The meeting pack's disruption table and sentence for these action rows."""
    def query(name, *args, **params):
        return pd.DataFrame({"exists": [True]}) if name == "table_exists" else actions.copy()

    f = SimpleNamespace(year_window=lambda: None, year_window_text=lambda: "the year")
    table, note = pack_collect._disruption(query, f, policy)
    return None if table is None else table.to_csv(), note


def shown(actions: pd.DataFrame, policy=P) -> dict:
    """Everything the page, its export and the pack show for ``actions`` (rows of
    ``disruption_actions`` as the query returns them), as comparable text."""
    rows = dv.with_figures(actions, policy)
    fig = dv.effect_figure(rows, policy)
    return {
        "rows": shown_rows(rows, policy),
        "plot": [(list(t.x), list(t.y), None if t.error_x.array is None else
                  (list(t.error_x.array), list(t.error_x.arrayminus))) for t in fig.data]
        + [a.text for a in fig.layout.annotations],
        "not_judged": dv.not_judged_note(rows),
        "by_type": dv.by_type_table(rows, policy).to_csv(),
        "opens_on": dv.default_action(rows),
        "pack": _pack(actions, policy),
    }


def shown_rows(rows: pd.DataFrame, policy=P) -> list[tuple]:
    """What the page shows of each action (through ``with_figures``): its row of the table
    (and export), the verdict box, its colour, and the nearby reading with the WDQ."""
    table = dv.actions_table(rows, policy)
    return [(tuple(table.iloc[i]), r.verdict, dv.verdict_markdown(r, policy), dv.displacement_words(r),
             dv.wdq_words(r, policy)) for i, r in enumerate(rows.itertuples())]


def _same_shown(n, level, policy) -> list:
    """The other values a shown count may have as a reader sees it: none, or with rounding
    those that round to the same shown value."""
    if not policy.rounds(level) or pd.isna(n) or disclosure.is_suppressed(n, policy):
        return []
    shown = disclosure.round_count(n, policy, level)
    return [v for v in range(int(n) - policy.round_base, int(n) + policy.round_base + 1) if v != n
            and not disclosure.is_suppressed(v, policy) and disclosure.round_count(v, policy, level) == shown]


def _variants(df: pd.DataFrame, policy=P) -> pd.DataFrame:
    """Each row of ``df`` (``_of``: its index) followed by copies with one hidden count set
    to each other value it may have, with every hidden count at 0 and at suppress_max, and
    (where counts are rounded) with one count at each other value that rounds the same."""
    out = []
    for i in df.index:
        row = df.loc[[i]].assign(_of=i)
        cells = [c for c in COUNTS if c in df and disclosure.is_suppressed(df.at[i, c], policy)]
        out += [row] + [row.assign(**{c: v}) for c in cells for v in range(policy.suppress_max + 1)]
        out += [row.assign(**dict.fromkeys(cells, v)) for v in (0, policy.suppress_max)] if cells else []
        out += [row.assign(**{c: v}) for c in TARGET_LEVEL if c in df
                for v in _same_shown(df.at[i, c], df.at[i, "target_level"], policy)]
    return pd.concat(out, ignore_index=True)


def _assert_same_within(variants: pd.DataFrame, seen: list) -> int:
    """Every variant of a row shows what the row shows; returns how many differed in a hidden count."""
    first = {}
    for of, what in zip(variants["_of"], seen):
        assert first.setdefault(of, what) == what, (of, first[of], what)
    return len(variants) - len(first)


def _whole(actions: pd.DataFrame, policy=P):
    """``actions`` with every hidden count set at once: to 0, to suppress_max, and at random."""
    rng = np.random.default_rng(7)
    hidden = {c: actions[c].map(lambda n: disclosure.is_suppressed(n, policy)) for c in COUNTS if c in actions}
    top = policy.suppress_max
    for pick in (lambda n: np.zeros(n), lambda n: np.full(n, top), *[lambda n: rng.integers(0, top + 1, n)] * 3):
        yield actions.assign(**{c: actions[c].mask(mask, pd.Series(pick(len(actions)), index=actions.index))
                                for c, mask in hidden.items()})


def _assert_blind_to_hidden_counts(actions: pd.DataFrame, policy=P) -> int:
    """Each action, and all of them together, show the same whatever their hidden counts."""
    variants = _variants(actions, policy)
    checked = _assert_same_within(variants, shown_rows(dv.with_figures(variants.drop(columns="_of"), policy),
                                                       policy))
    want = shown(actions, policy)
    for altered in _whole(actions, policy):
        assert shown(altered, policy) == want
    return checked


def test_page_export_and_pack_show_nothing_that_depends_on_a_hidden_count(sample_con):
    actions = queries.run(sample_con, "disruption_actions", **EVERY)
    assert _assert_blind_to_hidden_counts(actions) > 100


def test_with_rounding_nothing_shown_depends_on_more_than_the_rounded_counts(sample_con):
    actions = queries.run(sample_con, "disruption_actions", **EVERY)
    rounded = actions[actions["target_level"].map(ROUNDED.rounds)]
    assert len(_variants(rounded, ROUNDED)) > len(_variants(rounded, P))  # some shown counts round
    assert _assert_blind_to_hidden_counts(actions, ROUNDED) > 100


def test_readings_by_source_show_nothing_that_depends_on_a_hidden_count(sample_con):
    actions = queries.run(sample_con, "disruption_actions", **EVERY)
    sources = pd.concat([queries.run(sample_con, "disruption_sources", action_id=a).assign(action_id=a)
                         for a in actions["action_id"]], ignore_index=True)
    variants = _variants(sources)
    rows = dv.with_figures(variants.drop(columns="_of"), P)
    seen = pd.Series(index=rows.index, dtype=object)
    for level, part in rows.groupby("target_level"):
        seen[part.index] = [tuple(r) for r in dv.sources_table(part, level, P).itertuples(index=False)]
    assert _assert_same_within(variants, list(seen)) > 100


def test_force_page_shows_nothing_that_depends_on_a_hidden_count(force_con, force_settings):
    actions = queries.run(force_con, "disruption_actions", **EVERY)
    if actions.empty:
        pytest.skip("the force sample has no disruption actions")
    assert _assert_blind_to_hidden_counts(actions) > 0


def test_the_check_catches_a_verdict_read_from_a_hidden_count():
    """With 0 after the action it reads as a fall, with 5 as no clear change: so it says neither."""
    row = pd.DataFrame([dict(action_id="A1", action_type="CLOSURE_ORDER", agency="POLICE", target_level="place",
                             target_code="P1", target_name="Leeds Road Social Club", locality="Kirklees Rural",
                             start_date=pd.Timestamp("2025-06-03"), end_date=None,
                             action_month=pd.Timestamp("2025-06-01"), window_months=3, target_before=13,
                             target_after=0, control_places=6, control_before=45, control_after=46, buffer_before=30,
                             buffer_after=31, target_prior=40, has_data=True, has_prior=True)])
    variants = _variants(row)
    rows = dv.with_figures(variants.drop(columns="_of"), P)
    assert set(rows["verdict"]) == {"too_few"} and rows["undecided"].all()
    # The old rule, the verdict read from the value behind the "c", fails the check.
    old = [dv.ds.interval_verdict(*dv.ds.did_estimate(r.target_before, r.target_after, r.control_before,
                                                      r.control_after).iloc[0][["ci_low", "ci_high"]])
           for r in variants.itertuples()]
    assert set(old) == {"likely_effect", "no_clear_change"}
    with pytest.raises(AssertionError):
        _assert_same_within(variants, old)


# --- the similar places ----------------------------------------------------------------
# The build chooses each action's similar places; the page lists them by name. A choice
# made on the target's true before-count would say something about it when it is "c".

MONTH = date(2025, 6, 1)


def _controls_for(target_before: int, hidden_candidate: int = 3) -> list[str]:
    """The similar places the build chooses for one action at a place with
    ``target_before`` events in its before window, among 30 places of its category with
    0 to 29 events (one of them, P03, with ``hidden_candidate`` instead of 3)."""
    import duckdb

    from pipelines.disruption import review

    con = duckdb.connect()
    con.execute(f"""
        create table int_disruption_actions as
        select 'A1' as action_id, 'place' as target_level, 'T' as target_code, 'pub' as category,
               53.0 as lat, -1.5 as lon, date '{MONTH}' - interval 3 month as before_start, date '{MONTH}' as action_month;
        create table int_places as
        select 'T' as place_id, 'pub' as category, 53.0 as lat, -1.5 as lon
        union all
        select printf('P%02d', i), 'pub', 53.0 + 0.05 * (i + 1), -1.5 from range(30) as r(i);
        create table int_disruption_blocked (action_id varchar, level varchar, code varchar);
        create table int_area_neighbours (level varchar, code varchar, neighbour_code varchar);
        create table int_disruption_unit_monthly as
        select 'place' as level, printf('P%02d', i) as code, date '{MONTH}' - interval 2 month as event_month,
               'offence' as event_source, case when i = 3 then {hidden_candidate} else i end as events,
               (37 * i + 11) % 256 as events_ckey
        from range(30) as r(i)
        union all
        select 'place', 'T', date '{MONTH}' - interval 2 month, 'offence', {target_before}, 99;
    """)
    con.execute("delete from int_disruption_unit_monthly where events = 0")
    review._build_controls(con, review._config())
    return [r[0] for r in con.execute("select control_code from mart_disruption_controls order by control_rank").fetchall()]


@pytest.mark.parametrize("policy", [P, ROUNDED], ids=["perturbed", "rounded"])
def test_the_similar_places_do_not_depend_on_a_hidden_before_count(policy, monkeypatch):
    """The target's before-count, shown as "c", may be anything from 0 to suppress_max: the
    similar places (how many and which) are the same whatever it is; so are they when a
    candidate's own hidden before-count changes."""
    monkeypatch.setattr(disclosure.Policy, "from_settings", classmethod(lambda cls: policy))
    chosen = {n: _controls_for(n) for n in range(P.suppress_max + 1)}
    assert chosen[0], "the hidden target has similar places"
    assert all(c == chosen[0] for c in chosen.values()), chosen
    assert all(_controls_for(2, hidden) == chosen[0] for hidden in range(P.suppress_max + 1))
    # A shown before-count still matters: 25 events are matched with busier places.
    assert _controls_for(25) != chosen[0]
