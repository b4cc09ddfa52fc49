"""Place hot spots (``mart_place_hotspots``) and near-repeat incidents (``mart_near_repeat``)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from contextmap import hotspot_stats as hs
from contextmap.filters import PERIOD_MONTHS, period_start
from pipelines.hotspots import windows

PLACE_SOURCES = ("missing_found", "rhi_mention", "offence")
# Columns of each mart with their types (an empty mart is created with these).
COLUMNS = {
    "place_id": "varchar", "name": "varchar", "category": "varchar", "locality": "varchar", "ward_code": "varchar",
    "lsoa_code": "varchar", "sector": "varchar", "lat": "double", "lon": "double", "period": "varchar",
    "window_months": "bigint", "month_from": "date", "month_to": "date", "events": "bigint",
    **{source: "bigint" for source in PLACE_SOURCES}, "children": "bigint", "score": "double",
    "score_rank": "bigint", "expected": "double", "poisson_p": "double", "poisson_q": "double",
    "is_hotspot": "boolean", "previous_events": "bigint", "change_pct": "double", "recent_3m": "bigint",
    "previous_3m": "bigint", "trend": "varchar", "themes": "varchar[]", "peer_groups": "bigint",
}
NEAR_REPEAT_COLUMNS = {
    "place_id": "varchar", "days_band": "varchar", "days_from": "bigint", "days_to": "bigint", "incidents": "bigint",
    "incidents_ckey": "bigint",
    "observed": "bigint", "expected": "double", "ratio": "double", "p_value": "double", "permutations": "bigint",
}
ALL_PLACES = "All places"


def period_grid(all_months) -> pd.DataFrame:
    """The periods measured: the month, quarter and year holding each month, each from its
    start to that month (each window once: ``windows.new_window``), and the whole span."""
    rows = [
        (period, (m.year - start.year) * 12 + m.month - start.month + 1, start, m)
        for period in windows.PERIODS
        for m in all_months if windows.new_window(m, period)
        for start in [period_start(m, period)]
    ]
    if not any(r[2:] == (all_months[0], all_months[-1]) for r in rows):
        rows.append(("all", len(all_months), all_months[0], all_months[-1]))
    return pd.DataFrame(rows, columns=["period", "window_months", "month_from", "month_to"])


def _period_counts(con: duckdb.DuckDBPyConnection, grid: pd.DataFrame) -> pd.DataFrame:
    """Events by source, distinct children and themes per place and period (SQL over the grid)."""
    con.register("hs_grid", grid)
    try:
        out = con.sql("""
            with events as (
                select event_id, place_id, event_month, event_source, themes
                from int_events where place_id is not null
            ),
            grid as (select period, month_from::date as month_from, month_to::date as month_to from hs_grid),
            counts as (
                select g.period, g.month_to, e.place_id,
                       count(*) as events,
                       count(*) filter (where e.event_source = 'missing_found') as missing_found,
                       count(*) filter (where e.event_source = 'rhi_mention') as rhi_mention,
                       count(*) filter (where e.event_source = 'offence') as offence
                from events as e join grid as g on e.event_month between g.month_from and g.month_to
                group by all
            ),
            children as (
                select g.period, g.month_to, pm.place_id, count(distinct pm.person_key) as children
                from (
                    select distinct e.place_id, e.event_month, p.person_key
                    from events as e join int_event_people as p using (event_id)
                ) as pm
                join grid as g on pm.event_month between g.month_from and g.month_to
                group by all
            ),
            theme_counts as (
                select g.period, g.month_to, t.place_id, t.theme, sum(t.n) as n
                from (
                    select place_id, event_month, theme, count(*) as n
                    from (select place_id, event_month, unnest(themes) as theme from events)
                    group by all
                ) as t
                join grid as g on t.event_month between g.month_from and g.month_to
                group by all
            ),
            themes as (
                select period, month_to, place_id, list(theme order by n desc, theme) as themes
                from theme_counts group by all
            )
            select c.*, coalesce(ch.children, 0) as children, coalesce(t.themes, []::varchar[]) as themes
            from counts as c
            left join children as ch using (period, month_to, place_id)
            left join themes as t using (period, month_to, place_id)
        """).df()
    finally:
        con.unregister("hs_grid")
    out["month_to"] = pd.to_datetime(out["month_to"]).dt.date
    return out


def _peer_groups(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Peer groups seen at each place, when the peer-group step has built mart_place_groups."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'mart_place_groups'"
    ).fetchall()[0][0]
    if not exists:
        return pd.DataFrame({"place_id": pd.Series(dtype=str), "peer_groups": pd.Series(dtype="int64")})
    return con.sql(
        "select place_id, count(distinct group_id) as peer_groups from mart_place_groups group by place_id"
    ).df()


def _monthly(con, place_ids: list[str], all_months) -> np.ndarray:
    """Events per place and month (all sources), as an array [place, month]."""
    counts = con.sql("""
        select place_id as code, event_month, event_source, count(*) as events
        from int_events where place_id is not null group by all
    """).df()
    return windows.count_cube(counts, place_ids, all_months)[:, :, -1]


def trend_label(recent, previous, recent_months=3, alpha: float = 0.05) -> np.ndarray:
    """Rising / Falling / Steady: the quarter so far (``recent_months`` long) against the whole
    quarter before, by an exact binomial test on the monthly rates."""
    recent = np.asarray(recent, dtype=float)
    previous = np.asarray(previous, dtype=float)
    up = hs.rate_test_p(recent, previous, recent_months, 3)
    down = hs.rate_test_p(previous, recent, 3, recent_months)
    return np.select([up < alpha, down < alpha], ["Rising", "Falling"], default="Steady")


def place_measures(con: duckdb.DuckDBPyConnection, places: pd.DataFrame, all_months, cfg: dict) -> pd.DataFrame:
    """Every place × period with counts, score, rank, exceedance, change and trend."""
    grid = period_grid(all_months)
    frame = places.merge(grid, how="cross").merge(
        _period_counts(con, grid), on=["period", "month_to", "place_id"], how="left"
    )
    for col in ("events", *PLACE_SOURCES, "children"):
        frame[col] = frame[col].fillna(0).astype("int64")
    frame["themes"] = frame["themes"].apply(lambda v: list(v) if isinstance(v, (list, np.ndarray)) else [])
    frame["score"] = sum(cfg["weights"].get(s, 0.0) * frame[s] for s in PLACE_SOURCES)
    key = ["period", "month_to"]
    frame["score_rank"] = frame.groupby(key)["score"].rank(method="min", ascending=False).astype("int64")
    # Expected: the events of the average place in the same period.
    frame["expected"] = frame.groupby(key)["events"].transform("mean")
    frame["poisson_p"] = hs.poisson_upper_p(frame["events"], frame["expected"])
    frame["poisson_q"] = frame.groupby(key)["poisson_p"].transform(lambda p: pd.Series(hs.bh_qvalues(p), index=p.index))
    frame["is_hotspot"] = (frame["poisson_q"] <= cfg["fdr_alpha"]) & (frame["events"] >= cfg["min_events"])

    monthly = _monthly(con, places["place_id"].tolist(), all_months)
    row = places.reset_index()[["place_id", "index"]].set_index("place_id")["index"]
    p_idx = frame["place_id"].map(row).to_numpy()
    t_idx = windows.month_index(frame["month_to"], all_months)
    k = frame["window_months"].to_numpy()
    cum = np.concatenate([np.zeros((len(places), 1)), monthly.cumsum(axis=1)], axis=1)

    def window_sum(end, length):
        """Events in the ``length`` months ending at month index ``end`` (clipped to the data)."""
        hi = np.clip(end + 1, 0, len(all_months))
        lo = np.clip(end + 1 - length, 0, len(all_months))
        return cum[p_idx, hi] - cum[p_idx, lo]

    # Changes are against the whole period of the same kind before, and only for a whole
    # period: a period still running is not set against a whole one.
    whole = (frame["window_months"] == frame["period"].map(PERIOD_MONTHS).fillna(len(all_months))).to_numpy()
    length = frame["period"].map(PERIOD_MONTHS).fillna(len(all_months)).to_numpy(dtype=int)
    frame["previous_events"] = window_sum(t_idx - k, length).astype("int64")
    has_previous = ((t_idx - k - length + 1) >= 0) & whole & (frame["period"] != "all").to_numpy()
    with np.errstate(all="ignore"):
        change = (frame["events"] - frame["previous_events"]) / frame["previous_events"] * 100
    frame["previous_events"] = frame["previous_events"].where(has_previous).astype("Int64")
    frame["change_pct"] = change.where(has_previous & (frame["previous_events"] > 0)).round(1)
    # The trend: the quarter so far against the whole quarter before it.
    months = [all_months[t] for t in t_idx]
    so_far = np.array([(m.month - 1) % 3 + 1 for m in months])
    frame["recent_3m"] = window_sum(t_idx, so_far).astype("int64")
    frame["previous_3m"] = window_sum(t_idx - so_far, 3).astype("int64")
    frame["trend"] = trend_label(frame["recent_3m"], frame["previous_3m"], so_far)
    frame = frame.merge(_peer_groups(con), on="place_id", how="left")
    frame["peer_groups"] = frame["peer_groups"].fillna(0).astype("int64")
    return frame[list(COLUMNS)]


def knox(place_codes: np.ndarray, days: np.ndarray, bands: list[int], permutations: int, seed: int) -> pd.DataFrame:
    """Knox-style near-repeat test: pairs of incidents at the same place within each days band.

    ``place_codes`` are integer place indices and ``days`` whole-day incident dates. The
    expectation shuffles the times among all incidents (keeping each place's number of
    incidents), ``permutations`` times with a fixed seed.
    """
    edges = [(0, bands[0])] + [(bands[i - 1] + 1, bands[i]) for i in range(1, len(bands))]
    n_places = int(place_codes.max()) + 1 if place_codes.size else 0

    def pair_counts(times: np.ndarray) -> np.ndarray:
        """Pairs per place and band, as an array [place, band]."""
        span = float(times.max() - times.min()) + max(bands) + 10 if times.size else 1.0
        key = place_codes * span * 4 + (times - (times.min() if times.size else 0))
        order = np.argsort(key, kind="stable")
        sorted_key, sorted_place = key[order], place_codes[order]
        out = np.zeros((n_places, len(edges)))
        for b, (lo, hi) in enumerate(edges):
            # Pairs with gap ≤ hi minus pairs with gap < lo, counted from the earlier incident.
            upto_hi = np.searchsorted(sorted_key, sorted_key + hi, side="right") - np.arange(sorted_key.size) - 1
            below_lo = np.searchsorted(sorted_key, sorted_key + lo - 1, side="right") - np.arange(sorted_key.size) - 1
            np.add.at(out[:, b], sorted_place, upto_hi - (below_lo if lo > 0 else 0))
        return out

    observed = pair_counts(days)
    # A copy: numpy refuses to permute the read-only view pandas hands out for an empty column.
    days = np.array(days, dtype=float)
    rng = np.random.default_rng(seed)
    sims = np.stack([pair_counts(rng.permutation(days)) for _ in range(permutations)]) if permutations else None
    rows = []
    for scope, obs, sim in [(ALL_PLACES, observed.sum(axis=0), None if sims is None else sims.sum(axis=1))] + [
        (i, observed[i], None if sims is None else sims[:, i]) for i in range(n_places)
    ]:
        for b, (lo, hi) in enumerate(edges):
            expected = float(sim[:, b].mean()) if sim is not None else np.nan
            p = (1 + int((sim[:, b] >= obs[b]).sum())) / (1 + permutations) if sim is not None else np.nan
            rows.append({
                "scope": scope, "days_band": f"{lo}-{hi} days", "days_from": lo, "days_to": hi,
                "observed": int(obs[b]), "expected": expected,
                "ratio": obs[b] / expected if expected and expected > 0 else np.nan, "p_value": p,
            })
    return pd.DataFrame(rows)


def near_repeat(con: duckdb.DuckDBPyConnection, cfg: dict) -> pd.DataFrame:
    """``mart_near_repeat`` rows: Knox test over every place together and each place alone."""
    incidents = con.sql("""
        -- An episode counts once per place (found there and named in its RHI are one incident).
        select place_id, floor(min(epoch(event_at)) / 86400) as day,
               cm_rkey(coalesce(episode_key, event_id)) as rkey
        from int_events
        where place_id is not null
        group by place_id, coalesce(episode_key, event_id)
        order by place_id, day  -- the shuffles below depend on the order, so fix it
    """).df()
    ids = sorted(incidents["place_id"].unique())
    lookup = {p: i for i, p in enumerate(ids)}
    codes = incidents["place_id"].map(lookup).to_numpy(dtype=int)
    out = knox(codes, incidents["day"].to_numpy(dtype=float), cfg["near_repeat_days"], cfg["permutations"], cfg["seed"])
    out["place_id"] = [ALL_PLACES if s == ALL_PLACES else ids[s] for s in out["scope"]]
    sizes = incidents.groupby("place_id")["rkey"].agg(["size", "sum"])
    out["incidents"] = [len(incidents) if p == ALL_PLACES else int(sizes.at[p, "size"]) for p in out["place_id"]]
    out["incidents_ckey"] = [int(incidents["rkey"].sum()) if p == ALL_PLACES else int(sizes.at[p, "sum"])
                             for p in out["place_id"]]
    out["permutations"] = cfg["permutations"]
    return out[list(NEAR_REPEAT_COLUMNS)]


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``mart_place_hotspots`` and ``mart_near_repeat``."""
    cfg = windows.config()
    all_months = windows.months(con)
    places = con.sql(
        "select place_id, name, category, locality, ward_code, lsoa_code, sector, lat, lon from int_places order by 1"
    ).df()
    if places.empty or not all_months:
        windows.write_empty(con, "mart_place_hotspots", COLUMNS)
    else:
        frame = place_measures(con, places, all_months, cfg)
        windows.write_table(con, "mart_place_hotspots", frame, ["place_id", "period", "month_to"])
    windows.write_table(con, "mart_near_repeat", near_repeat(con, cfg), ["place_id", "days_from"])
