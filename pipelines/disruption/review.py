"""Build the disruption review marts: effect, displacement and comparison places.

The actions and their windows, the events per unit and month, and the units that cannot
be compared are SQL models (``sql/intermediate/int_disruption_*.sql``), as is the
monthly timeline (``sql/marts/mart_disruption_timeline.sql``); this module chooses the
comparison places and does the statistics.

Each action's target is its place (events linked to the place in ``int_events``) or
its ward, LSOA or postcode sector (every event located there). The before window is
the ``window_months`` calendar months before the month the action started, the after
window the ``window_months`` months after it; the start month itself is left out of
both, since it mixes days before and after the action.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from contextmap import disclosure, settings
from pipelines.disruption import stats

SOURCES = ("missing_from", "missing_found", "rhi_mention", "offence")
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_000.0
# The before window is compared with this many months before it to flag a spike.
PRIOR_MONTHS = 12


def _haversine(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    """SQL for the great-circle distance in metres between two points given in degrees."""
    return (
        f"2 * {EARTH_RADIUS_M} * asin(sqrt(pow(sin(radians({lat2} - {lat1}) / 2), 2) + "
        f"cos(radians({lat1})) * cos(radians({lat2})) * pow(sin(radians({lon2} - {lon1}) / 2), 2)))"
    )


def _config() -> dict:
    cfg = settings.current().disruption
    return {
        "window": cfg.window_months,
        "buffer_m": float(cfg.buffer_radius_m),
        "inner_m": float(settings.current().hotspots.place_radius_m),
        "min_events": cfg.min_events,
        "k": cfg.control_places,
        "factor": float(cfg.control_baseline_factor),
        "alpha": float(cfg.alpha),
        "near_zero": float(cfg.wdq_near_zero),
        "spike_factor": float(cfg.spike_factor),
    }


def _candidates(con: duckdb.DuckDBPyConnection, cfg: dict) -> pd.DataFrame:
    """Eligible comparison units per action with their before-window events (``baseline``)."""
    distance = _haversine("a.lat", "a.lon", "c.lat", "c.lon")
    return con.sql(f"""
        with place_candidates as (
            -- Same category, no action nearby in time, and outside the buffer ring, so a
            -- comparison place is never one that displaced events could have reached.
            select a.action_id, 'place' as level, c.place_id as code
            from int_disruption_actions as a
            join int_places as c on c.category = a.category
            where a.target_level = 'place'
              and coalesce({distance} > {cfg["buffer_m"]}, true)
        ),

        area_candidates as (
            select distinct a.action_id, a.target_level as level, m.code
            from int_disruption_actions as a
            join int_disruption_unit_monthly as m on m.level = a.target_level
            where a.target_level <> 'place'
              and not exists (
                  select 1 from int_area_neighbours as n
                  where n.level = a.target_level and n.code = a.target_code and n.neighbour_code = m.code
              )
        ),

        eligible as (
            select * from (select * from place_candidates union all select * from area_candidates) as c
            where not exists (
                select 1 from int_disruption_blocked as b where b.action_id = c.action_id and b.level = c.level and b.code = c.code
            )
        ),

        baseline as (
            select e.action_id, e.code, sum(m.events) as events, sum(m.events_ckey) as events_ckey
            from eligible as e
            join int_disruption_actions as a using (action_id)
            join int_disruption_unit_monthly as m
              on m.level = e.level and m.code = e.code
             and m.event_month >= a.before_start and m.event_month < a.action_month
            group by all
        )

        select e.action_id, e.level, e.code as unit_code, coalesce(b.events, 0)::double as baseline,
               coalesce(b.events_ckey, 0)::double as baseline_ckey
        from eligible as e
        left join baseline as b using (action_id, code)
        order by all
    """).df()


def _target_baselines(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each action's target level and before-window events (``baseline``) with their cell key."""
    return con.sql("""
        select a.action_id, a.target_level,
               coalesce(sum(m.events) filter (where m.event_month >= a.before_start and m.event_month < a.action_month), 0)::double
                   as baseline,
               coalesce(sum(m.events_ckey) filter (where m.event_month >= a.before_start and m.event_month < a.action_month),
                        0)::double as baseline_ckey
        from int_disruption_actions as a
        left join int_disruption_unit_monthly as m on m.level = a.target_level and m.code = a.target_code
        group by a.action_id, a.target_level
        order by a.action_id
    """).df()


def _build_controls(con: duckdb.DuckDBPyConnection, cfg: dict) -> None:
    """``mart_disruption_controls``: the similar places (or areas) each action is compared with.

    They are matched on before-window events as a reader sees them, never on true counts
    (:func:`stats.matching_baseline`): the choice would otherwise say something about a
    count shown as "c", at the target or at a candidate.
    """
    policy = disclosure.Policy.from_settings()
    candidates = _candidates(con, cfg)
    targets = _target_baselines(con)
    candidates["match"] = stats.matching_baseline(candidates["baseline"], candidates["baseline_ckey"],
                                                  candidates["level"], policy)
    targets["match"] = stats.matching_baseline(targets["baseline"], targets["baseline_ckey"],
                                               targets["target_level"], policy)
    pools = dict(tuple(candidates.groupby("action_id")))
    rows = []
    for action_id, baseline, match in targets[["action_id", "baseline", "match"]].itertuples(index=False):
        pool = pools.get(action_id, candidates.iloc[:0])
        chosen = stats.choose_controls(match, pool, cfg["k"], cfg["factor"], column="match")
        rows.append(chosen.assign(target_baseline=baseline, control_rank=np.arange(1, len(chosen) + 1)))
    controls = (
        pd.concat(rows) if rows else candidates.assign(distance=0.0, target_baseline=0.0, control_rank=0).iloc[:0]
    )
    con.register("dr_controls_df", controls)
    con.execute("""
        create or replace table mart_disruption_controls as
        select
            cast(action_id as varchar) as action_id,
            cast(control_rank as integer) as control_rank,
            cast(level as varchar) as control_level,
            cast(unit_code as varchar) as control_code,
            cast(baseline as bigint) as control_baseline,
            cast(target_baseline as bigint) as target_baseline
        from dr_controls_df
        order by action_id, control_rank
    """)
    con.unregister("dr_controls_df")


def _counts(con: duckdb.DuckDBPyConnection, cfg: dict) -> pd.DataFrame:
    """Before and after counts per action, role (target, control, buffer) and source ('all' too)."""
    inner, outer = cfg["inner_m"], cfg["buffer_m"]
    distance = _haversine("a.lat", "a.lon", "p.lat", "p.lon")
    # A bounding box (with a 1% margin) lets DuckDB range-join before the exact distance.
    dlat = outer / METRES_PER_DEGREE_LAT * 1.01
    return con.sql(f"""
        with units as (
            select action_id, 'target' as role, target_level as level, target_code as code from int_disruption_actions
            union all
            select action_id, 'control', control_level, control_code from mart_disruption_controls
            union all
            -- An area's buffer is its neighbouring areas (sectors have no neighbour list).
            select a.action_id, 'buffer', a.target_level, n.neighbour_code
            from int_disruption_actions as a join int_area_neighbours as n on n.level = a.target_level and n.code = a.target_code
        ),

        unit_events as (
            select u.action_id, u.role, m.event_source, m.event_month, m.events, m.events_ckey
            from units as u join int_disruption_unit_monthly as m on m.level = u.level and m.code = u.code
        ),

        points as (
            select lat, lon, place_id, event_month, event_source, count(*) as events, sum(event_rkey) as events_ckey
            from int_events where lat is not null group by all
        ),

        ring_events as (
            -- A place's buffer is the ring between its own radius and the buffer radius;
            -- events linked to the place itself never count as nearby.
            select a.action_id, 'buffer' as role, p.event_source, p.event_month, p.events, p.events_ckey
            from int_disruption_actions as a
            join points as p
              on p.lat between a.lat - {dlat} and a.lat + {dlat}
             and p.lon between a.lon - {dlat} / cos(radians(a.lat)) and a.lon + {dlat} / cos(radians(a.lat))
            where a.target_level = 'place'
              and p.place_id is distinct from a.target_code
              and {distance} > {inner} and {distance} <= {outer}
        ),

        windowed as (
            select e.action_id, e.role, e.event_source,
                   sum(e.events) filter (where e.event_month >= a.before_start and e.event_month < a.action_month) as n_before,
                   sum(e.events) filter (where e.event_month > a.action_month and e.event_month <= a.after_end) as n_after,
                   sum(e.events_ckey) filter (where e.event_month >= a.before_start and e.event_month < a.action_month)
                       as k_before,
                   sum(e.events_ckey) filter (where e.event_month > a.action_month and e.event_month <= a.after_end)
                       as k_after
            from (select * from unit_events union all select * from ring_events) as e
            join int_disruption_actions as a using (action_id)
            group by grouping sets ((e.action_id, e.role, e.event_source), (e.action_id, e.role))
        )

        select action_id, role, coalesce(event_source, 'all') as event_source,
               coalesce(n_before, 0)::double as n_before, coalesce(n_after, 0)::double as n_after,
               coalesce(k_before, 0)::double as k_before, coalesce(k_after, 0)::double as k_after
        from windowed
        order by all
    """).df()


def _wide(counts: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (action_id, event_source) with each role's before and after counts as columns,
    and their cell keys (``target_before_ckey``…)."""
    wide = counts.pivot_table(
        index=["action_id", "event_source"], columns="role", values=["n_before", "n_after", "k_before", "k_after"],
        aggfunc="sum",
    )
    wide.columns = [f"{role}_{when[2:]}" + ("_ckey" if when.startswith("k_") else "") for when, role in wide.columns]
    out = frame.merge(wide.reset_index(), on=["action_id", "event_source"], how="left")
    for role in ("target", "control", "buffer"):
        for when in ("before", "after", "before_ckey", "after_ckey"):
            col = f"{role}_{when}"
            out[col] = out[col].fillna(0.0) if col in out else 0.0
    return out


def _build_effects(con: duckdb.DuckDBPyConnection, cfg: dict, counts: pd.DataFrame) -> None:
    """``mart_disruption_effects``: one row per action and source, with estimate and verdict."""
    actions = con.sql(f"""
        with coverage as (
            select min(event_month) as first_month, max(event_month) as last_month from int_events
        ),

        prior as (
            -- Mean monthly events at the target in the year before the before window,
            -- known only when the data cover that whole year.
            select a.action_id,
                   case when a.before_start - to_months({PRIOR_MONTHS}) >= any_value(r.first_month) then
                       coalesce(sum(m.events) filter (
                           where m.event_month >= a.before_start - to_months({PRIOR_MONTHS}) and m.event_month < a.before_start
                       ), 0) / {PRIOR_MONTHS}
                   end as prior_monthly
            from int_disruption_actions as a
            cross join coverage as r
            left join int_disruption_unit_monthly as m on m.level = a.target_level and m.code = a.target_code
            group by a.action_id, a.before_start
        )

        select a.action_id, a.target_level, a.before_start, a.after_end,
               coalesce(a.before_start >= r.first_month and a.after_end <= r.last_month, false) as has_data,
               p.prior_monthly,
               (select count(*) from mart_disruption_controls as c where c.action_id = a.action_id) as control_places
        from int_disruption_actions as a
        cross join coverage as r
        join prior as p using (action_id)
        order by a.action_id
    """).df()
    frame = actions.merge(pd.DataFrame({"event_source": ["all", *SOURCES]}), how="cross")
    df = _wide(counts, frame)
    no_controls = df["control_places"] == 0
    est = stats.did_estimate(
        df["target_before"],
        df["target_after"],
        df["control_before"].mask(no_controls),
        df["control_after"].mask(no_controls),
        cfg["alpha"],
    )
    df = pd.concat([df.reset_index(drop=True), est], axis=1)
    # Judged on all events, so every source row of an action carries the same flag.
    before_all = df["action_id"].map(df[df["event_source"] == "all"].set_index("action_id")["target_before"])
    spike = stats.is_after_spike(before_all, df["prior_monthly"], cfg["window"], cfg["spike_factor"]).astype("boolean")
    df["is_after_spike"] = spike.mask(df["prior_monthly"].isna())
    df["target_pct_change"] = [stats.pct_change(b, a) for b, a in zip(df["target_before"], df["target_after"])]
    df["control_pct_change"] = [
        np.nan if n == 0 else stats.pct_change(b, a)
        for b, a, n in zip(df["control_before"], df["control_after"], df["control_places"])
    ]
    verdicts = [
        stats.verdict(
            r.target_before,
            r.target_after,
            r.control_before,
            r.control_after,
            r.control_places,
            r.ci_low,
            r.ci_high,
            min_events=cfg["min_events"],
            window_months=cfg["window"],
            has_data=bool(r.has_data),
            after_spike=after_spike,
            noun="places" if r.target_level == "place" else "areas",
        )
        for r, after_spike in zip(df.itertuples(), df["is_after_spike"].fillna(False).astype(bool))
    ]
    df["verdict"] = [v[0] for v in verdicts]
    df["verdict_text"] = [v[1] for v in verdicts]
    con.register("dr_effects_df", df)
    con.execute(f"""
        create or replace table mart_disruption_effects as
        select
            -- Cast: with no actions the frame's text columns have no type of their own.
            e.action_id::varchar as action_id, e.event_source::varchar as event_source,
            a.action_type, a.target_level, a.target_code, a.target_name,
            a.start_date, a.end_date, a.action_month, a.before_start, a.after_end,
            {cfg["window"]}::integer as window_months,
            e.target_before::bigint as target_before, e.target_after::bigint as target_after,
            e.target_before_ckey::bigint as target_before_ckey, e.target_after_ckey::bigint as target_after_ckey,
            e.target_pct_change::double as target_pct_change,
            e.prior_monthly::double as target_prior_monthly,
            e.is_after_spike::boolean as is_after_spike,
            e.control_places::integer as control_places,
            e.control_before::bigint as control_before, e.control_after::bigint as control_after,
            e.control_before_ckey::bigint as control_before_ckey, e.control_after_ckey::bigint as control_after_ckey,
            e.control_pct_change::double as control_pct_change,
            e.rate_ratio::double as rate_ratio, e.ci_low::double as ci_low, e.ci_high::double as ci_high,
            (100 * (e.rate_ratio - 1))::double as effect_pct,
            e.p_value::double as p_value,
            e.verdict::varchar as verdict, e.verdict_text::varchar as verdict_text
        from dr_effects_df as e
        join int_disruption_actions as a using (action_id)
        order by e.action_id, e.event_source
    """)
    con.unregister("dr_effects_df")


def _build_displacement(con: duckdb.DuckDBPyConnection, cfg: dict, counts: pd.DataFrame) -> None:
    """``mart_disruption_displacement``: one row per action, buffer against target and controls."""
    frame = con.sql("""
        select a.action_id, a.target_level,
               coalesce(a.before_start >= r.first_month and a.after_end <= r.last_month, false) as has_data,
               (select count(*) from mart_disruption_controls as c where c.action_id = a.action_id) as control_places
        from int_disruption_actions as a
        cross join (select min(event_month) as first_month, max(event_month) as last_month from int_events) as r
        order by a.action_id
    """).df()
    df = _wide(counts, frame.assign(event_source="all"))
    has_buffer = df["target_level"].isin(["place", "ward", "lsoa"])
    no_controls = df["control_places"] == 0
    est = stats.did_estimate(
        df["buffer_before"],
        df["buffer_after"],
        df["control_before"].mask(no_controls),
        df["control_after"].mask(no_controls),
        cfg["alpha"],
    )
    df = pd.concat([df.reset_index(drop=True), est.add_prefix("buffer_")], axis=1)
    df["buffer_pct_change"] = [stats.pct_change(b, a) for b, a in zip(df["buffer_before"], df["buffer_after"])]
    df["wdq"] = [
        stats.wdq(r.target_before, r.target_after, r.buffer_before, r.buffer_after, r.control_before, r.control_after)
        for r in df.itertuples()
    ]
    readings = [
        ("not_assessed", "Not assessed: a postcode sector has no list of neighbouring areas to act as a buffer")
        if not buffered
        else ("outside_data", "Not enough data yet: the months before and after the action are not all in the data")
        if not r.has_data
        else ("no_comparison", "Cannot tell: no similar places without an action to compare with")
        if r.control_places == 0
        else stats.wdq_reading(
            r.wdq,
            r.buffer_before + r.buffer_after,
            r.control_before,
            r.control_after,
            min_events=cfg["min_events"],
            near_zero=cfg["near_zero"],
        )
        for r, buffered in zip(df.itertuples(), has_buffer)
    ]
    df["verdict"] = [v[0] for v in readings]
    df["verdict_text"] = [v[1] for v in readings]
    for col in (
        "buffer_before",
        "buffer_after",
        "buffer_pct_change",
        "buffer_rate_ratio",
        "buffer_ci_low",
        "buffer_ci_high",
        "buffer_p_value",
        "wdq",
    ):
        df[col] = df[col].where(has_buffer)
    con.register("dr_displacement_df", df)
    con.execute(f"""
        create or replace table mart_disruption_displacement as
        select
            d.action_id::varchar as action_id,
            a.action_type, a.target_level, a.target_code, a.target_name, a.action_month,
            case a.target_level
                when 'place' then 'ring {cfg["inner_m"]:.0f}-{cfg["buffer_m"]:.0f} m around the place'
                when 'ward' then 'neighbouring wards'
                when 'lsoa' then 'neighbouring LSOAs'
            end as buffer_kind,
            d.target_before::bigint as target_before, d.target_after::bigint as target_after,
            d.buffer_before::bigint as buffer_before, d.buffer_after::bigint as buffer_after,
            d.target_before_ckey::bigint as target_before_ckey, d.target_after_ckey::bigint as target_after_ckey,
            d.buffer_before_ckey::bigint as buffer_before_ckey, d.buffer_after_ckey::bigint as buffer_after_ckey,
            d.buffer_pct_change::double as buffer_pct_change,
            d.control_places::integer as control_places,
            d.control_before::bigint as control_before, d.control_after::bigint as control_after,
            d.control_before_ckey::bigint as control_before_ckey, d.control_after_ckey::bigint as control_after_ckey,
            d.buffer_rate_ratio::double as buffer_rate_ratio,
            d.buffer_ci_low::double as buffer_ci_low, d.buffer_ci_high::double as buffer_ci_high,
            d.wdq::double as wdq,
            d.verdict::varchar as verdict, d.verdict_text::varchar as verdict_text
        from dr_displacement_df as d
        join int_disruption_actions as a using (action_id)
        order by d.action_id
    """)
    con.unregister("dr_displacement_df")


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``mart_disruption_controls``, ``_effects`` and ``_displacement`` from the
    actions, units and blocked units of the ``int_disruption_*`` models."""
    cfg = _config()
    _build_controls(con, cfg)
    counts = _counts(con, cfg)
    _build_effects(con, cfg, counts)
    _build_displacement(con, cfg, counts)
