"""Benchmark the peer-group build at scale: ``python -m pipelines.peer_groups.bench``.

Synthesises 50,000 people in planted groups of 20 who go missing together, plus
background episodes and offences with random co-offenders, which gives about 500,000
association edges; then times the graph build and the Leiden detection.
"""

from __future__ import annotations

import time

import duckdb

from pipelines.peer_groups import graph, groups
from pipelines.peer_groups.config import Config

SYNTHESIS = """
select setseed(0.42);
create or replace table stg_missing_episodes as
with grp as (select range as g from range($people // 20)),
     outing as (select g, o, timestamp '2023-01-01' + to_minutes((random() * 1000000)::bigint) as ts,
                       'S' || (random() * 3000)::int as sector
                from grp, range(10) as t(o)),
     joint as (select g, o, ts, sector, m from outing, range(20) as u(m) where random() < 0.9),
     background as (select range as i, (random() * $people)::bigint as p,
                           timestamp '2023-01-01' + to_minutes((random() * 1500000)::bigint) as ts,
                           'S' || (random() * 3000)::int as sector from range($background))
select 'j' || g || '-' || o || '-' || m as episode_key, 'P' || (g * 20 + m) as person_key,
       ts + to_minutes((random() * 120)::int) as started_at,
       sector as missing_from_sector, null::varchar as found_place_id, null::varchar as found_sector
from joint
union all
select 'b' || i, 'P' || p, ts, sector, null, null from background;

create or replace table stg_offences as
select 'o' || i as offence_key, 'P' || ((random() * $people)::bigint) as person_key,
       timestamp '2023-01-01' + to_days((i % 1000)::int) as offence_at, 'SUSPECT' as role
from range($offences) as t(i), range(3) as u(k)
where k < 2 or random() < 0.5;

create or replace table stg_return_home_interviews as
select 'r' || episode_key as rhi_key, episode_key, started_at as offered_at, null::timestamp as completed_at,
       ['P' || ((random() * $people)::bigint)] as associate_keys
from stg_missing_episodes using sample 10 percent (bernoulli, 7);
"""


def run(people: int = 50_000, background: int = 100_000, offences: int = 30_000, progress=print) -> dict:
    """Build the graph and the groups for synthetic data; return sizes and seconds taken."""
    con = duckdb.connect()
    values = {"people": people, "background": background, "offences": offences}
    for statement in filter(str.strip, SYNTHESIS.split(";")):
        con.execute(statement, {k: v for k, v in values.items() if f"${k}" in statement})
    config = Config.from_settings()
    started = time.perf_counter()
    graph.build(con, config)
    graph_s = time.perf_counter() - started
    edges = con.sql("select person_a, person_b, weight from int_associations").df()
    started = time.perf_counter()
    found = groups.detect(edges[edges["weight"] >= config.min_link_weight], config)
    leiden_s = time.perf_counter() - started
    result = {
        "people": people,
        "episodes": con.sql("select count(*) from stg_missing_episodes").fetchall()[0][0],
        "edges": len(edges),
        "groups": len(found),
        "graph_seconds": round(graph_s, 2),
        "leiden_seconds": round(leiden_s, 2),
    }
    progress(
        f"Peer groups: {result['edges']:,} edges among {people:,} people from {result['episodes']:,} episodes "
        f"built in {graph_s:.1f} s; Leiden found {len(found):,} groups in {leiden_s:.1f} s"
    )
    return result


if __name__ == "__main__":
    run()
