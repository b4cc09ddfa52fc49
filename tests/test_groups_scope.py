"""Peer groups across council borders (issue 22, point 3), on the force sample.

The build flags a group whose members are children of two or more councils; the planted
cross-border group (``data/sample_force/ground_truth.json``) is recomputed here in plain
Python from the ground truth and each council's public demo key, not through the build's
SQL. A council analyst sees the groups with at least one of their council's children, in
aggregate, lists only their own council's pseudonyms and counts the others; a group with
none of their children is neither listed nor reachable by ``?group=N``. A force user sees
every group, as before, plus the flag.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict

import duckdb

from contextmap import auth, disclosure, queries
from contextmap.filters import Filters
from contextmap.settings import ROOT
from contextmap.ui.navigation import PAGES
from pipelines.pseudonym import DEMO_KEY
from tests.test_pages_privacy import PSEUDONYM, _visible_text, visible_small_counts
from tests.test_scope_pages import CALDERDALE, KIRKLEES, _start, served  # noqa: F401 (a fixture)

TRUTH = json.loads((ROOT / "data" / "sample_force" / "ground_truth.json").read_text())
PLANTED = TRUTH["cross_border"]["peer_group"]
COUNCIL_OF_TAG = {"BD": "E08000032", "CA": CALDERDALE, "KL": KIRKLEES, "LD": "E08000035", "WF": "E08000036"}
POLICY = disclosure.Policy()
FLAG = "cross-border: children from 2 councils"


def _pseudonym(person_id: str) -> str:
    """A child's pseudonym under their council's public demo key, HMAC(demo key, ONS code),
    worked out here from the documented scheme (SECURITY.md, "Demo mode")."""
    council = COUNCIL_OF_TAG[person_id.split("-")[0]]
    key = hmac.new(DEMO_KEY, council.encode(), hashlib.sha256).hexdigest().encode()
    return hmac.new(key, person_id.encode(), hashlib.sha256).hexdigest()[:16]


PLANTED_KEYS = {_pseudonym(p): COUNCIL_OF_TAG[p.split("-")[0]] for p in PLANTED["members"]}
OWN = {k for k, c in PLANTED_KEYS.items() if c == KIRKLEES}
OTHERS = set(PLANTED_KEYS) - OWN


def _members(con) -> dict[int, set[str]]:
    groups: dict[int, set[str]] = defaultdict(set)
    for gid, person in con.execute("select group_id, person_key from mart_peer_group_members").fetchall():
        groups[gid].add(person)
    return groups


def _planted_group(con) -> int:
    return next(gid for gid, members in _members(con).items() if members & set(PLANTED_KEYS))


def _groups_with_kirklees_children(con) -> set[int]:
    """Groups with a member keyed by Kirklees: a pseudonym found in Kirklees's own files
    (episodes, or named in its interviews), read from the staged inputs in Python."""
    kirklees = {p for (p,) in con.execute("select person_key from stg_missing_episodes where owner_code = ?",
                                          [KIRKLEES]).fetchall()}
    for (named,) in con.execute("select associate_keys from stg_return_home_interviews where owner_code = ?",
                                [KIRKLEES]).fetchall():
        kirklees.update(named or [])
    return {gid for gid, members in _members(con).items() if members & kirklees}


# --- the build ----------------------------------------------------------------------------


def test_the_planted_cross_border_group_is_found_whole_and_flagged(force_con):
    assert {c for c in PLANTED_KEYS.values()} == set(PLANTED["councils"]) and len(OWN) == 4 and len(OTHERS) == 3
    gid = _planted_group(force_con)
    assert _members(force_con)[gid] == set(PLANTED_KEYS)  # exactly the planted members, no one else
    owners = dict(force_con.execute("select person_key, owner_code from mart_peer_group_members where group_id = ?",
                                    [gid]).fetchall())
    assert owners == PLANTED_KEYS
    assert force_con.execute("select councils, is_cross_border from mart_peer_groups where group_id = ?",
                             [gid]).fetchone() == (2, True)


def test_the_flag_counts_councils_not_the_force(force_con):
    """A group's councils are its members' owners among the councils (the force's offenders
    are no council's), recounted here from the member table."""
    owners: dict[int, set[str]] = defaultdict(set)
    for gid, owner in force_con.execute("select group_id, owner_code from mart_peer_group_members").fetchall():
        if owner in COUNCIL_OF_TAG.values():
            owners[gid].add(owner)
    flags = {gid: (n, flag) for gid, n, flag in force_con.execute(
        "select group_id, councils, is_cross_border from mart_peer_groups").fetchall()}
    assert flags == {gid: (len(owners[gid]), len(owners[gid]) >= 2) for gid in flags}
    assert sum(len(o) >= 2 for o in owners.values()) == 1  # only the planted group spans councils


# --- what the queries give each scope -----------------------------------------------------


def test_a_council_scope_gets_only_groups_with_its_children_and_its_own_pseudonyms(force_con):
    month = force_con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    f = Filters(month, period="year", data_end=month, scope=KIRKLEES)
    query = queries.bind(force_con, scope=KIRKLEES)
    listed = set(query("group_table", f)["group_id"])
    assert listed == _groups_with_kirklees_children(force_con) and _planted_group(force_con) in listed
    gid = _planted_group(force_con)
    assert set(query("group_members", group_id=gid)["person_key"]) == OWN
    others = queries.run(force_con, "group_members_others", exact=True, group_id=gid, scope=KIRKLEES)
    assert others["members"].tolist() == [len(OTHERS)]
    nodes = query("group_network_nodes", group_ids=[gid])
    edges = query("group_network_edges", group_ids=[gid])
    shown = set(nodes["person_key"]) | set(edges["person_a"]) | set(edges["person_b"])
    # Only Kirklees's own members are drawn: a dot for each other member would count them
    # exactly where the drill-down shows "c" (and give each one's own figures).
    assert shown == OWN and len(nodes) == len(OWN)
    # Its places are only those Kirklees sees, and, the group holding other councils'
    # children, without how many members were seen at each (less Kirklees's own, the others).
    places = query("group_places", group_id=gid)
    allowed = {r[0] for r in force_con.execute(
        "select place_id from mart_place_scopes where council_code = ?", [KIRKLEES]).fetchall()}
    assert not places.empty and set(places["place_id"]) <= allowed and places["people"].isna().all()
    whole = queries.bind(force_con)("group_places", group_id=gid)
    assert whole["people"].notna().all() and set(whole["place_id"]) >= set(places["place_id"])
    # A group with none of Kirklees's children: nothing of it, whatever the parameters.
    outside = min(set(_members(force_con)) - listed)
    for name in ("group_profile", "group_members", "group_members_others", "group_mix", "group_monthly",
                 "group_places"):
        assert query(name, group_id=outside).empty, name
    for name in ("group_network_nodes", "group_network_edges"):
        assert query(name, group_ids=[outside]).empty, name


def test_the_force_scope_lists_every_member_and_counts_no_others(force_con):
    gid = _planted_group(force_con)
    members = queries.run(force_con, "group_members", group_id=gid, scope=auth.WHOLE)
    assert dict(zip(members["person_key"], members["owner_code"])) == PLANTED_KEYS
    assert queries.run(force_con, "group_members_others", exact=True, group_id=gid,
                       scope=auth.WHOLE)["members"].tolist() == [0]


# --- the page, by URL ---------------------------------------------------------------------


def _served_groups(db) -> tuple[int, int]:
    """The planted group's number, and the most active showable group with no Kirklees child."""
    con = duckdb.connect(str(db), read_only=True)
    members = _members(con)
    planted = next(gid for gid, m in members.items() if m & set(PLANTED_KEYS))
    kirklees = {g for (g,) in con.execute(
        "select distinct group_id from mart_peer_group_members where owner_code = ?", [KIRKLEES]).fetchall()}
    outside = next(g for (g,) in con.execute(
        "select group_id from mart_peer_groups where size > ? order by activity_rank", [POLICY.suppress_max]).fetchall()
        if g not in kirklees)
    con.close()
    return planted, outside


def _groups_page(role: str, council: str | None, group: int | str) -> object:
    at = _start(role, council)
    at.query_params["group"] = str(group)
    at.switch_page(PAGES["groups"][0])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _drill_down(at) -> None:
    at.text_input(key=next(t.key for t in at.text_input if t.key.startswith("drill_groups"))).input("Strategy meeting")
    next(b for b in at.button if b.label == "Show records").click().run()
    assert not at.exception, [e.value for e in at.exception]


def _group_table(at):
    return next(d.value for d in at.dataframe if "Group" in d.value.columns and "Members" in d.value.columns)


def _member_table(at):
    return next(d.value for d in at.dataframe if "person_key" in d.value.columns)


def test_a_council_analyst_sees_the_cross_border_group_flagged_and_only_their_own_members(served):  # noqa: F811
    planted, _ = _served_groups(served)
    at = _groups_page("analyst", KIRKLEES, planted)
    assert at.title[0].value == "Peer groups"
    table = _group_table(at)
    row = table[table["Group"] == f"Group {planted}"]
    assert row["Across borders"].tolist() == [FLAG]
    assert any(m.value == f"#### Group {planted}" for m in at.markdown)
    assert any(i.value == FLAG.capitalize() + "." for i in at.info)
    _drill_down(at)
    assert set(_member_table(at)["person_key"]) == OWN
    text = _visible_text(at)
    assert set(PSEUDONYM.findall(text)) == OWN  # no other council's pseudonym anywhere on the page
    assert "Other members: c " in " ".join(c.value for c in at.caption)  # 3 others: a small count, suppressed
    # What the page's tables download (their CSV) holds only allowed rows: Kirklees's groups, its own pseudonyms.
    con = duckdb.connect(str(served), read_only=True)
    allowed = {g for (g,) in con.execute(
        "select distinct group_id from mart_peer_group_members where owner_code = ?", [KIRKLEES]).fetchall()}
    con.close()
    assert {int(g.split()[1]) for g in table["Group"]} <= allowed
    for frame in at.dataframe:
        assert set(PSEUDONYM.findall(frame.value.to_csv(float_format="%.6g"))) <= OWN


def test_a_group_with_none_of_the_councils_children_is_not_listed_nor_reachable_by_url(served):  # noqa: F811
    _, outside = _served_groups(served)
    at = _groups_page("analyst", KIRKLEES, outside)
    label = f"Group {outside}"
    assert label not in _group_table(at)["Group"].tolist()
    assert not any(m.value == f"#### {label}" for m in at.markdown)
    assert at.selectbox(key="groups_pick").value != outside
    assert not visible_small_counts(at)
    # The force sees it, so the test would catch a page that ignored the scope.
    force = _groups_page("analyst", None, outside)
    assert any(m.value == f"#### {label}" for m in force.markdown)


def test_a_group_number_written_with_a_leading_zero_opens_the_same_group(served):  # noqa: F811
    planted, outside = _served_groups(served)
    # A group the page does not open on anyway: the planted one, or the next when it is first.
    listed = _group_table(_groups_page("strategic", KIRKLEES, planted))["Group"].tolist()
    target = planted if listed[0] != f"Group {planted}" else int(listed[1].split()[-1])
    at = _groups_page("strategic", KIRKLEES, f"0{target}")
    assert _group_table(at)["Group"].iloc[0] != f"Group {target}"
    assert at.selectbox(key="groups_pick").value == target
    assert any(m.value == f"#### Group {target}" for m in at.markdown)
    # Written either way, a group with none of the council's children stays out of reach.
    assert at.selectbox(key="groups_pick").value != outside
    at = _groups_page("strategic", KIRKLEES, f"0{outside}")
    assert at.selectbox(key="groups_pick").value != outside
    assert not any(m.value == f"#### Group {outside}" for m in at.markdown)


def test_a_force_analyst_sees_every_group_and_member_with_the_flag(served):  # noqa: F811
    planted, outside = _served_groups(served)
    at = _groups_page("analyst", None, planted)
    table = _group_table(at)
    assert {f"Group {planted}", f"Group {outside}"} <= set(table["Group"])
    assert table.loc[table["Group"] == f"Group {planted}", "Across borders"].tolist() == [FLAG]
    assert set(table.loc[table["Group"] != f"Group {planted}", "Across borders"]) == {""}
    _drill_down(at)
    members = _member_table(at)
    assert set(members["person_key"]) == set(PLANTED_KEYS)
    names = auth.councils()
    assert dict(zip(members["person_key"], members["owner"])) == {k: names[c] for k, c in PLANTED_KEYS.items()}
    assert not any(c.value.startswith("Other members") for c in at.caption)


def test_a_council_strategic_user_sees_the_groups_in_aggregate_only(served):  # noqa: F811
    planted, _ = _served_groups(served)
    at = _groups_page("strategic", KIRKLEES, planted)
    assert _group_table(at).loc[lambda t: t["Group"] == f"Group {planted}", "Across borders"].tolist() == [FLAG]
    assert not any(b.label == "Show records" for b in at.button)
    assert not PSEUDONYM.search(_visible_text(at)) and not visible_small_counts(at)
