"""A peer group's top return home interview themes, chosen by what a reader sees.

The five themes ``mart_peer_groups`` lists for a group are the five with most interviews
as shown: each theme's count cell-key perturbed as the group's profile shows it
(``mart_peer_group_mix``, the same records and cell key), every count shown as "c" (0 to
``suppress_max``) as one value below every shown count, ties by theme code. Chosen by
true counts, the list would say which of two themes shown equal, or both hidden as "c",
had more interviews (``contextmap.fmt.by_shown`` orders the pages the same way).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from contextmap import cellkey, disclosure

TOP = 5


def top_themes(counts: pd.DataFrame, policy: disclosure.Policy, n: int = TOP) -> pd.DataFrame:
    """``counts`` (``group_id``, ``theme``, ``n``, ``n_ckey``: true counts and cell keys) as
    one row per group with ``top_themes``, its first ``n`` themes by shown count."""
    shown = cellkey.perturb(counts["n"].to_numpy(dtype=float), counts["n_ckey"].to_numpy(dtype=float),
                            policy.ptable())
    hidden = (shown >= 0) & (shown <= policy.suppress_max)
    ranked = counts[["group_id", "theme"]].assign(_shown=np.where(hidden, -1.0, shown))
    ranked = ranked.sort_values(["group_id", "_shown", "theme"], ascending=[True, False, True], kind="stable")
    top = ranked.groupby("group_id", sort=True).head(n)
    return top.groupby("group_id", sort=True)["theme"].agg(list).rename("top_themes").reset_index()


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``int_peer_group_themes``: each group's top themes (groups with an interview theme)."""
    counts = con.sql("""
        select group_id, theme, count(*) as n, sum(cm_rkey(rhi_key)) as n_ckey
        from (
            select distinct m.group_id, r.rhi_key, unnest(r.themes) as theme
            from mart_peer_group_members as m
            join int_episodes using (person_key)
            join stg_return_home_interviews as r using (episode_key)
        ) as member_themes
        group by all
        order by all
    """).df()
    themes = top_themes(counts, disclosure.Policy.from_settings())
    con.register("pg_themes_frame", themes)
    try:
        con.execute("""
            create or replace table int_peer_group_themes as
            select group_id::integer as group_id, top_themes::varchar[] as top_themes
            from pg_themes_frame order by group_id
        """)
    finally:
        con.unregister("pg_themes_frame")
