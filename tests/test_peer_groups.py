"""Peer groups on hand-made data: edges, Leiden groups, stable ids and the profile marts."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import combinations

import duckdb
import pandas as pd
import pytest

from contextmap import sqlfiles
from pipelines import record_keys
from pipelines.peer_groups import STEPS, bench, groups
from pipelines.peer_groups.config import Config
from pipelines.runner import build_model, run_steps
from pipelines.step_types import BuildContext, Sql

T0 = datetime(2025, 3, 1, 18, 0)
CONFIG = Config(window_hours=6, min_group_size=3, seed=7, warm_start=True)
OWNER = "E08000034"  # one data owner, as in a single-council build


def _stg(con, episodes=(), offences=(), rhis=()):
    """Minimal staging tables with the columns the association graph reads."""
    con.execute("""
        create or replace table stg_missing_episodes (episode_key varchar, person_key varchar, started_at timestamp,
            ended_at timestamp, missing_from_sector varchar, found_place_id varchar, found_sector varchar,
            owner_code varchar)
    """)
    con.execute("""create or replace table stg_offences (offence_key varchar, person_key varchar,
        offence_at timestamp, role varchar, offence_group varchar, place_id varchar, owner_code varchar)""")
    con.execute("""create or replace table stg_return_home_interviews (rhi_key varchar, episode_key varchar,
        offered_at timestamp, completed_at timestamp, themes varchar[], associate_keys varchar[], owner_code varchar)""")
    for row in episodes:
        key, person, at, from_sector, found_place, found_sector = row
        con.execute("insert into stg_missing_episodes values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [key, person, at, at + timedelta(hours=10), from_sector, found_place, found_sector, OWNER])
    for key, person, at, role, *rest in offences:
        group, place = (rest + [None, None])[:2]
        con.execute("insert into stg_offences values (?, ?, ?, ?, ?, ?, ?)",
                    [key, person, at, role, group or "Drugs", place, OWNER])
    for key, episode, at, themes, associates in rhis:
        con.execute("insert into stg_return_home_interviews values (?, ?, ?, ?, ?, ?, ?)",
                    [key, episode, at, at, themes, associates, OWNER])


def _edges(con, config=CONFIG) -> dict[tuple[str, str], dict]:
    build_model(con, Sql("intermediate/int_associations.sql"), config.sql_params())
    df = con.sql("from int_associations").df()
    return {(r.person_a, r.person_b): r._asdict() for r in df.itertuples()}


def _episode(key, person, at, from_sector="HD1 2", found_place=None, found_sector=None):
    return (key, person, at, from_sector, found_place, found_sector)


# --- the association graph -------------------------------------------------------------


def test_going_missing_within_the_window_from_the_same_sector_links_two_people():
    con = duckdb.connect()
    _stg(con, episodes=[
        _episode("e1", "A", T0),
        _episode("e2", "B", T0 + timedelta(hours=6)),  # exactly the window: linked
        _episode("e3", "C", T0 + timedelta(hours=6, seconds=1)),  # one second over A: not linked to A
        _episode("e4", "D", T0, from_sector="HD9 9"),  # same time, elsewhere
    ])
    edges = _edges(con)
    assert ("A", "B") in edges and edges[("A", "B")]["missing_together"] == 1
    assert ("A", "C") not in edges
    assert ("B", "C") in edges
    assert not any("D" in pair for pair in edges)


def test_window_is_measured_in_time_not_in_buckets():
    # 11h59m apart lies in adjacent 6-hour buckets but outside the window; 1 minute apart
    # straddles a bucket boundary and is inside it.
    boundary = datetime(2025, 3, 2, 0, 0)  # epoch seconds divisible by 6 h
    con = duckdb.connect()
    _stg(con, episodes=[
        _episode("e1", "A", boundary - timedelta(seconds=30)),
        _episode("e2", "B", boundary + timedelta(seconds=30)),
        _episode("e3", "C", boundary + timedelta(hours=11, minutes=59)),
    ])
    edges = _edges(con)
    assert set(edges) == {("A", "B")}


def test_same_found_place_or_found_sector_links_people_missing_from_different_sectors():
    con = duckdb.connect()
    _stg(con, episodes=[
        _episode("e1", "A", T0, from_sector="HD1 1", found_place="P1"),
        _episode("e2", "B", T0 + timedelta(hours=2), from_sector="HD2 2", found_place="P1"),
        _episode("e3", "C", T0 + timedelta(hours=1), from_sector="HD3 3", found_sector="HD4 4"),
        _episode("e4", "D", T0 + timedelta(hours=3), from_sector="HD5 5", found_sector="HD4 4"),
    ])
    assert set(_edges(con)) == {("A", "B"), ("C", "D")}


def test_a_configurable_window():
    con = duckdb.connect()
    _stg(con, episodes=[_episode("e1", "A", T0), _episode("e2", "B", T0 + timedelta(hours=3))])
    assert set(_edges(con, Config(window_hours=2))) == set()
    assert set(_edges(con, Config(window_hours=4))) == {("A", "B")}


def test_co_offending_links_offenders_but_not_victims_or_witnesses():
    con = duckdb.connect()
    _stg(con, offences=[
        ("o1", "A", T0, "SUSPECT"), ("o1", "B", T0, None), ("o1", "V", T0, "VICTIM"), ("o1", "W", T0, "WITNESS"),
        ("o2", "A", T0 + timedelta(days=30), "SUSPECT"), ("o2", "B", T0 + timedelta(days=30), "SUSPECT"),
        ("o3", None, T0, None),
    ])
    edges = _edges(con)
    assert set(edges) == {("A", "B")}
    ab = edges[("A", "B")]
    assert ab["co_offending"] == 2 and ab["evidence_types"].tolist() == ["co_offending"]
    assert ab["first_linked_at"] == pd.Timestamp(T0) and ab["last_linked_at"] == pd.Timestamp(T0 + timedelta(days=30))
    assert ab["weight"] == pytest.approx(2 * CONFIG.weight("co_offending"))


def test_naming_someone_in_a_return_interview_links_them_whoever_named_whom():
    con = duckdb.connect()
    _stg(
        con,
        episodes=[_episode("e1", "B", T0, from_sector="HD1 1"), _episode("e2", "A", T0 + timedelta(days=9))],
        rhis=[("r1", "e1", T0 + timedelta(days=1), ["PEERS"], ["A", "B", "Z"]),
              ("r2", "e2", T0 + timedelta(days=10), [], ["B"])],
    )
    edges = _edges(con)
    assert set(edges) == {("A", "B"), ("B", "Z")}
    assert edges[("A", "B")]["rhi_named"] == 2


def test_each_edge_keeps_every_kind_of_evidence_and_the_weighted_sum():
    con = duckdb.connect()
    _stg(
        con,
        episodes=[_episode("e1", "A", T0), _episode("e2", "B", T0 + timedelta(hours=1))],
        offences=[("o1", "A", T0 + timedelta(days=3), "SUSPECT"), ("o1", "B", T0 + timedelta(days=3), "SUSPECT")],
        rhis=[("r1", "e1", T0 + timedelta(days=1), [], ["B"])],
    )
    edge = _edges(con)[("A", "B")]
    assert edge["evidence_types"].tolist() == ["co_offending", "missing_together", "rhi_named"]
    assert (edge["missing_together"], edge["co_offending"], edge["rhi_named"]) == (1, 1, 1)
    assert edge["weight"] == pytest.approx(sum(w for _, w in CONFIG.weights))
    assert edge["first_linked_at"] == pd.Timestamp(T0)


# --- Leiden groups and stable ids ------------------------------------------------------


def _cliques(sizes, bridges=True) -> tuple[pd.DataFrame, list[set[str]]]:
    """Planted cliques (weight 2) joined in a ring by single weak links (weight 1)."""
    planted = [{f"g{g}p{i:02d}" for i in range(n)} for g, n in enumerate(sizes)]
    rows = [(a, b, 2.0) for members in planted for a, b in combinations(sorted(members), 2)]
    if bridges:
        firsts = [sorted(m)[0] for m in planted]
        rows += [(firsts[i], firsts[(i + 1) % len(firsts)], 1.0) for i in range(len(firsts))]
    rows = [(min(a, b), max(a, b), w) for a, b, w in rows]
    return pd.DataFrame(rows, columns=["person_a", "person_b", "weight"]), planted


def test_leiden_finds_planted_cliques_and_drops_pairs():
    edges, planted = _cliques([8, 7, 6, 5, 4])
    pair = pd.DataFrame([("x1", "x2", 5.0)], columns=["person_a", "person_b", "weight"])
    found = groups.detect(pd.concat([edges, pair]), CONFIG)
    assert sorted(map(set, found), key=len) == sorted(planted, key=len)


def test_the_same_seed_gives_the_same_groups():
    edges, _ = _cliques([6, 6, 6, 5])
    # A noisy layer of weak random links makes the result depend on the search order.
    extra = pd.DataFrame([(f"g0p0{i}", f"g{j}p0{i}", 0.5) for i in range(5) for j in (1, 2)],
                         columns=["person_a", "person_b", "weight"])
    both = pd.concat([edges, extra], ignore_index=True)
    assert groups.detect(both, CONFIG) == groups.detect(both.sample(frac=1, random_state=3), CONFIG)


def test_a_large_graph_split_in_a_child_process_gives_the_same_groups():
    edges, planted = _cliques([8, 7, 6, 5, 4])
    members, ids = groups.assign_in_process(edges, CONFIG, groups.NO_PREVIOUS)
    inline, _ = groups.assign(edges, CONFIG, groups.NO_PREVIOUS)
    assert members.equals(inline)
    assert sorted(members.groupby("group_id")["person_key"].apply(set), key=len) == sorted(planted, key=len)
    assert ids["is_current"].all() and len(ids) == len(planted)


def test_a_failure_in_the_child_process_is_reported():
    with pytest.raises(RuntimeError, match="peer-group detection failed"):
        groups.assign_in_process(pd.DataFrame({"person_a": ["a"]}), CONFIG, groups.NO_PREVIOUS)


def _previous(members: pd.DataFrame, ids: pd.DataFrame) -> groups.Previous:
    by_group = members.groupby("group_id")["person_key"].apply(frozenset).to_dict()
    return groups.Previous(by_group, ids[["group_id", "first_built_at", "last_built_at"]])


def test_ids_survive_a_member_joining_and_another_leaving():
    edges, planted = _cliques([8, 7, 6])
    members, ids = groups.assign(edges, CONFIG, groups.NO_PREVIOUS)
    first = {gid: set(g["person_key"]) for gid, g in members.groupby("group_id")}
    assert sorted(first) == [1, 2, 3]

    # g0 gains a member, g1 loses one, and a new group appears.
    newcomer = [("g0p00", "g0p99", 2.0), ("g0p01", "g0p99", 2.0), ("g0p02", "g0p99", 2.0)]
    fresh = [(a, b, 2.0) for a, b in combinations(["n1", "n2", "n3", "n4"], 2)]
    changed = pd.concat([
        edges[(edges.person_a != "g1p06") & (edges.person_b != "g1p06")],
        pd.DataFrame(newcomer + fresh, columns=["person_a", "person_b", "weight"]),
    ])
    members2, ids2 = groups.assign(changed, CONFIG, _previous(members, ids))
    second = {gid: set(g["person_key"]) for gid, g in members2.groupby("group_id")}
    for gid, people in first.items():
        assert groups.jaccard(frozenset(people), frozenset(second[gid])) >= 0.8
    assert second[4] == {"n1", "n2", "n3", "n4"}
    assert ids2.set_index("group_id").loc[4, "previous_jaccard"] is None or pd.isna(
        ids2.set_index("group_id").loc[4, "previous_jaccard"])


def test_a_retired_id_is_never_given_to_another_group():
    edges, _ = _cliques([6, 5, 4], bridges=False)
    members, ids = groups.assign(edges, CONFIG, groups.NO_PREVIOUS)
    # Group 3 (the smallest) disappears; a different group appears.
    smallest = set(members.loc[members.group_id == 3, "person_key"])
    kept = edges[~edges.person_a.isin(smallest)]
    fresh = pd.DataFrame([(a, b, 2.0) for a, b in combinations(["n1", "n2", "n3"], 2)],
                         columns=["person_a", "person_b", "weight"])
    members2, ids2 = groups.assign(pd.concat([kept, fresh]), CONFIG, _previous(members, ids))
    assert set(members2.loc[members2.person_key == "n1", "group_id"]) == {4}
    retired = ids2.set_index("group_id").loc[3]
    assert not retired["is_current"]
    # And a third build still knows 3 was issued, even though no group has it.
    members3, ids3 = groups.assign(pd.concat([kept, fresh]), CONFIG, _previous(members2, ids2))
    assert sorted(ids3["group_id"]) == [1, 2, 3, 4] and sorted(members3["group_id"].unique()) == [1, 2, 4]


def test_matching_needs_enough_overlap():
    previous = {1: frozenset("abcdef")}
    assert groups.match_ids([list("abcdxy")], previous, 0.5, 2) == [(1, pytest.approx(0.5))]
    assert groups.match_ids([list("abcxyz")], previous, 0.5, 2) == [(2, None)]


# --- the whole step on a small world ---------------------------------------------------


def _world(con):
    """Three friends who go missing together and offend together, found at a place."""
    sqlfiles.install_macros(con, record_keys.DEMO_SALT)
    episodes, offences, rhis = [], [], []
    for week in range(8):
        at = T0 + timedelta(days=7 * week)
        for i, person in enumerate(["A", "B", "C"]):
            episodes.append(_episode(f"e{week}{person}", person, at + timedelta(hours=i), found_place="P1"))
        episodes.append(_episode(f"e{week}X", "X", at + timedelta(days=3)))  # alone
    offences += [("o1", p, T0 + timedelta(days=20), "SUSPECT", "Robbery", "P1") for p in "ABC"]
    rhis.append(("r1", "e0A", T0 + timedelta(days=1), ["CCE", "PEERS"], ["B"]))
    _stg(con, episodes, offences, rhis)
    # The intermediate tables the marts read, cut down to the columns they use.
    con.execute("""
        create table int_episodes as
            select *, 'Unknown' as age_band, cm_rkey(episode_key) as episode_rkey, cm_rkey(person_key) as person_rkey
            from stg_missing_episodes;
        create table int_people as
            select person_key, cm_rkey(person_key) as person_rkey, any_value('14-15') as age_band,
                   any_value('F') as sex, person_key in ('A', 'B') as ever_looked_after
            from (select person_key from stg_missing_episodes union select person_key from stg_offences) group by all;
        create table int_events as
            select 'found:' || episode_key as event_id, 'missing_found' as event_source, person_key, episode_key,
                   started_at as event_at, date_trunc('month', started_at)::date as event_month,
                   'Huddersfield' as locality, 'HD1' as district, found_place_id as place_id,
                   null::varchar as offence_group, cm_rkey('found:' || episode_key) as event_rkey
            from stg_missing_episodes
            union all
            select distinct 'offence:' || offence_key, 'offence', null, null, offence_at,
                   date_trunc('month', offence_at)::date, 'Huddersfield', 'HD1', place_id, offence_group,
                   cm_rkey('offence:' || offence_key)
            from stg_offences;
        create table int_event_people as
            select *, cm_rkey(person_key) as person_rkey from (
                select event_id, person_key from int_events where person_key is not null
                union all select distinct 'offence:' || offence_key, person_key from stg_offences
            );
    """)


def test_the_build_steps_describe_the_group_and_the_places_it_uses():
    con = duckdb.connect()
    _world(con)
    run_steps(con, STEPS, progress=lambda *_: None)
    group = con.sql("from mart_peer_groups").df()
    assert len(group) == 1
    row = group.iloc[0]
    assert (row.group_id, row["size"], row.episodes, row.offences, row.looked_after) == (1, 3, 24, 1, 2)
    assert row.links == 3 and row.links_missing_together == 3 and row.links_co_offending == 3
    assert row.top_themes.tolist() == ["CCE", "PEERS"]
    places = con.sql("from mart_place_groups").df()
    assert places[["place_id", "group_id", "events", "people"]].values.tolist() == [["P1", 1, 25, 3]]
    mix = con.sql("select category, n from mart_peer_group_mix where dimension = 'offence_group'").fetchall()
    assert mix == [("Robbery", 1)]
    monthly = con.sql("select sum(events) from mart_peer_group_monthly").fetchall()[0][0]
    assert monthly == 25
    members = con.sql("select person_key from mart_peer_group_members order by 1").fetchall()
    assert members == [("A",), ("B",), ("C",)]


def _top_themes(extra: dict[str, int]) -> list[str]:
    """The group's top themes when, besides the world's, four themes are on every one of 8
    interviews (shown counts) and each theme of ``extra`` on that many interviews."""
    con = duckdb.connect()
    _world(con)
    for i in range(8):
        themes = ["GANGS", "DRUGS", "PEERS", "FAMILY"] + [t for t, n in extra.items() if i < n]
        con.execute("insert into stg_return_home_interviews values (?, ?, ?, ?, ?, [], ?)",
                    [f"t{i}", f"e{i}B", T0 + timedelta(days=7 * i), T0 + timedelta(days=7 * i), themes, OWNER])
    run_steps(con, STEPS, progress=lambda *_: None)
    return con.execute("select top_themes from mart_peer_groups").fetchone()[0]


def test_the_top_themes_are_chosen_by_shown_counts():
    """Two themes hidden as "c" (1 and 4 interviews, then 4 and 1) compete for the fifth
    place: the one listed is the first by theme code, whatever their true counts."""
    first = _top_themes({"ALCOHOL": 1, "WEAPONS": 4})
    assert first == _top_themes({"ALCOHOL": 4, "WEAPONS": 1})
    assert len(first) == 5 and set(first[:4]) == {"GANGS", "DRUGS", "PEERS", "FAMILY"}
    assert first[4] == "ALCOHOL"


def test_top_themes_order_by_shown_count_then_theme():
    from contextmap import disclosure
    from pipelines.peer_groups import themes

    # Cell key 0 perturbs none of these counts by more than the p-table allows; the
    # hidden counts (1..5) are never perturbed.
    counts = pd.DataFrame({"group_id": [1] * 7 + [2], "theme": list("ABCDEFG") + ["Z"],
                           "n": [5, 1, 40, 40, 3, 200, 2, 1], "n_ckey": 0})
    policy = disclosure.Policy(suppress_max=5)
    shown = dict(zip(counts["theme"], counts["n"] + policy.ptable()[counts["n"], 0]))
    top = themes.top_themes(counts, policy).set_index("group_id")["top_themes"]
    listed = top[1]
    assert listed[0] == "F" and set(listed[1:3]) == {"C", "D"}
    assert listed[1:3] == sorted(listed[1:3], key=lambda t: (-shown[t], t))
    assert listed[3:] == ["A", "B"]  # of the five hidden (A, B, E, G), the first by code
    assert top[2] == ["Z"]


def test_a_rebuild_reads_the_previous_build_and_keeps_the_id(tmp_path):
    previous = tmp_path / "previous.duckdb"
    con = duckdb.connect(str(previous))
    _world(con)
    con.execute("insert into stg_missing_episodes values ('z1', 'Q', ?, null, 'HD7 7', null, null, ?)", [T0, OWNER])
    run_steps(con, STEPS, progress=lambda *_: None)
    # Pretend the previous build called the group 7, with 6 issued before.
    con.execute("update mart_peer_group_members set group_id = 7")
    con.execute("update mart_peer_group_ids set group_id = 7")
    con.close()

    con = duckdb.connect()
    _world(con)
    con.execute("insert into stg_missing_episodes values ('d1', 'D', ?, null, 'HD1 2', 'P1', null, ?)",
                [T0 + timedelta(hours=1), OWNER])
    con.execute("insert into stg_offences values ('o1', 'D', ?, 'SUSPECT', 'Robbery', 'P1', ?)",
                [T0 + timedelta(days=20), OWNER])
    run_steps(con, STEPS, progress=lambda *_: None, context=BuildContext(previous_db=previous))
    assert con.sql("select distinct group_id from mart_peer_group_members").fetchall() == [(7,)]
    assert con.sql("select size, seen_in_previous_build from mart_peer_groups").fetchall() == [(4, True)]


def test_one_coincidence_of_going_missing_together_does_not_make_a_member():
    con = duckdb.connect()
    _world(con)
    # Y went missing once from the same sector within the window of the group's first outing.
    con.execute("insert into stg_missing_episodes values ('y1', 'Y', ?, null, 'HD1 2', null, null, ?)",
                [T0 + timedelta(hours=2), OWNER])
    run_steps(con, STEPS, progress=lambda *_: None)
    linked = con.sql("select count(*) from int_associations where person_b = 'Y'").fetchall()[0][0]
    assert linked == 3
    assert con.sql("select person_key from mart_peer_group_members order by 1").fetchall() == [("A",), ("B",), ("C",)]


# --- connected components and scale ----------------------------------------------------


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame([(min(a, b), max(a, b), w) for a, b, w in rows], columns=["person_a", "person_b", "weight"])


def test_each_connected_component_is_split_on_its_own():
    a = [f"a{i}" for i in range(5)]
    b = [f"b{i}" for i in range(4)]
    rows = [(x, y, 2.0) for x, y in combinations(a, 2)] + [(x, y, 2.0) for x, y in combinations(b, 2)]
    rows += [("a0", "a9", 0.4)]  # a weak hanger-on: A's component is no longer complete, so Leiden splits it
    rows += [("x1", "x2", 5.0), ("y1", "y2", 0.5), ("y2", "y3", 0.5)]  # a pair and a weak chain: no groups
    edges = _frame(rows)
    found = groups.detect(edges, CONFIG)
    assert found == [a, b]
    assert groups.detect(edges.sample(frac=1, random_state=5), CONFIG) == found
    # Another part of the network, however large or busy, does not move anyone in these two groups.
    other, _ = _cliques([9, 8, 7, 6, 6, 5, 5, 4, 4, 3])
    more = groups.detect(pd.concat([edges, other], ignore_index=True), CONFIG)
    assert a in more and b in more and len(more) == 12


def test_small_groups_in_one_large_network_are_not_merged():
    # A ring of 40 groups of four, each joined to the next by one link as strong as theirs:
    # modularity's resolution limit merges neighbours here; the CPM measure does not.
    edges, planted = _cliques([4] * 40, bridges=False)
    firsts = [sorted(m)[0] for m in planted]
    ring = _frame([(firsts[i], firsts[(i + 1) % 40], 2.0) for i in range(40)])
    found = groups.detect(pd.concat([edges, ring], ignore_index=True), CONFIG)
    assert sorted(map(set, found), key=sorted) == sorted(planted, key=sorted)


def test_the_benchmark_network_recovers_every_planted_group():
    result = bench.run(people=1_000, background=2_000, offences=600, progress=lambda *_: None)
    assert result["planted"] == 50 and result["recovered"] == 50
    assert result["mixed"] == 0 and result["reproducible"]


def test_building_into_an_existing_file_reads_it_as_the_previous_build(tmp_path, monkeypatch):
    from pipelines import build

    seen = []

    def fake_build_into(path, inputs, mapping=None, progress=None, demo=False, previous=None):
        seen.append(previous)
        path.write_bytes(b"built")

    monkeypatch.setattr(build, "build_into", fake_build_into)
    db = tmp_path / "contextmap.duckdb"
    build.build_file(db, [tmp_path])
    build.build_file(db, [tmp_path])
    assert seen == [None, db]
