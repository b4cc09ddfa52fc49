"""Benchmark the peer-group build at scale: ``python -m pipelines.peer_groups.bench``.

By default it synthesises 50,000 people in planted groups of 20 who go missing together,
plus background episodes and offences with random co-offenders, which gives about
550,000 episodes and 650,000 association edges in one connected network; then it times
the graph build and the group detection, and checks that every planted group is found.

``--db PATH`` measures a built database instead (for example the force scale that
``python -m pipelines.bench`` generates), from its staging tables; ``--truth`` names the
generator's ``ground_truth.json`` whose planted peer groups are then checked.

Times are wall-clock and CPU seconds: other work on the machine inflates the first.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from pipelines.peer_groups import groups
from pipelines.peer_groups.config import Config
from pipelines.runner import build_model
from pipelines.step_types import Sql

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

STAGING = ("stg_missing_episodes", "stg_offences", "stg_return_home_interviews")
MIN_JACCARD = 0.8


def synthesise(people: int, background: int, offences: int) -> tuple[duckdb.DuckDBPyConnection, list[set[str]]]:
    """Staging tables of the synthetic network in memory, and its planted groups of 20."""
    con = duckdb.connect()
    values = {"people": people, "background": background, "offences": offences}
    for statement in filter(str.strip, SYNTHESIS.split(";")):
        con.execute(statement, {k: v for k, v in values.items() if f"${k}" in statement})
    planted = [{f"P{g * 20 + m}" for m in range(20)} for g in range(people // 20)]
    return con, planted


def from_build(path: Path, truth: Path | None) -> tuple[duckdb.DuckDBPyConnection, list[set[str]]]:
    """A built database's staging tables (read-only), and the planted groups of ``truth``."""
    con = duckdb.connect()
    con.execute("attach ? as build (read_only)", [str(path)])
    for table in STAGING:
        con.execute(f"create table {table} as select * from build.{table}")
    con.execute("detach build")
    planted = []
    if truth:
        from pipelines import pseudonym

        groups_of = json.loads(truth.read_text())["peer_groups"]
        planted = [{pseudonym.pseudonym(pseudonym.DEMO_KEY, p) for p in g} for g in groups_of]
    return con, planted


def recovery(found: list[list[str]], planted: list[set[str]]) -> tuple[int, int]:
    """Planted groups with a detected group of Jaccard ≥ 0.8, and detected groups mixing planted ones."""
    found_sets = [frozenset(g) for g in found]
    group_of = {p: i for i, g in enumerate(found_sets) for p in g}
    recovered = 0
    for members in planted:
        candidates = {group_of[p] for p in members if p in group_of}
        if any(groups.jaccard(frozenset(members), found_sets[i]) >= MIN_JACCARD for i in candidates):
            recovered += 1
    owner = {p: i for i, g in enumerate(planted) for p in g}
    mixed = sum(len({owner[p] for p in g if p in owner}) > 1 for g in found_sets)
    return recovered, mixed


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def measure(con: duckdb.DuckDBPyConnection, planted: list[set[str]], progress=print) -> dict:
    """Time the graph build and the detection on ``con``'s staging tables; check the planted groups."""
    config = Config.from_settings()
    _, graph_s, graph_cpu = _timed(
        lambda: build_model(con, Sql("intermediate/int_associations.sql"), config.sql_params()))
    edges = con.sql("select person_a, person_b, weight from int_associations").df()
    used = edges[edges["weight"] >= config.min_link_weight]
    found, detect_s, detect_cpu = _timed(lambda: groups.detect(used, config))
    recovered, mixed = recovery(found, planted)
    result = {
        "people": int(con.sql("select count(distinct person_key) from stg_missing_episodes").fetchall()[0][0]),
        "episodes": int(con.sql("select count(*) from stg_missing_episodes").fetchall()[0][0]),
        "edges": len(edges),
        "edges_used": len(used),
        "groups": len(found),
        "graph_seconds": round(graph_s, 2),
        "graph_cpu_seconds": round(graph_cpu, 2),
        "detect_seconds": round(detect_s, 2),
        "detect_cpu_seconds": round(detect_cpu, 2),
        "planted": len(planted),
        "recovered": recovered,
        "mixed": mixed,
        "reproducible": groups.detect(used.sample(frac=1, random_state=1), config) == found,
    }
    progress(
        f"Peer groups: {result['edges']:,} edges ({result['edges_used']:,} strong enough to form groups) among "
        f"{result['people']:,} people from {result['episodes']:,} episodes.\n"
        f"  Graph built in {graph_s:.1f} s ({graph_cpu:.1f} s CPU); {len(found):,} groups found in "
        f"{detect_s:.1f} s ({detect_cpu:.1f} s CPU).\n"
        f"  Planted groups recovered (Jaccard >= {MIN_JACCARD}): {recovered:,} of {len(planted):,}; "
        f"groups mixing planted groups: {mixed:,}; same groups from shuffled input: "
        f"{'yes' if result['reproducible'] else 'NO'}."
    )
    return result


def run(people: int = 50_000, background: int = 100_000, offences: int = 30_000, progress=print) -> dict:
    """Synthesise the planted network and measure it; return sizes, seconds and recovery."""
    con, planted = synthesise(people, background, offences)
    return measure(con, planted, progress)


def main(argv: list[str] | None = None) -> dict:
    """Command line: the synthetic network by default, or ``--db`` a built database."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.peer_groups.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--background", type=int, default=100_000, help="background missing episodes")
    parser.add_argument("--offences", type=int, default=30_000, help="offences with random co-offenders")
    parser.add_argument("--db", type=Path, help="measure this built database instead of the synthetic network")
    parser.add_argument("--truth", type=Path, help="ground_truth.json of the generated input behind --db")
    args = parser.parse_args(argv)
    if args.db:
        con, planted = from_build(args.db, args.truth)
        return measure(con, planted)
    return run(args.people, args.background, args.offences)


if __name__ == "__main__":
    main()
