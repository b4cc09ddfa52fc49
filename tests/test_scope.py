"""What each user sees in a force-wide build (issue 22, part 3): a user's scope is the whole
build or one council, fixed at sign-in.

On the shipped force sample (data/sample_force, five councils and the force): a council
user's figures count exactly their council's own children's episodes and interviews and
the offences in their council's area (recomputed here from int_episodes and stg_offences,
not from the marts); the whole-build figures are what they were before scopes (the
council parts sum to them, cell keys included, so their perturbation is unchanged); a
query that does not filter by scope is refused to a council user rather than showing
every council's records; and nothing a user can send (URL, filters, query parameters)
widens the scope.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from contextmap import auth, disclosure, pack_collect, queries
from contextmap.filters import Filters
from contextmap.settings import ROOT

KIRKLEES, CALDERDALE, FORCE = "E08000034", "E08000033", "E23000010"
COUNCILS = ("E08000032", "E08000033", "E08000034", "E08000035", "E08000036")
POLICY = disclosure.Policy()
HEADLINE = ("episodes", "children", "returned", "rhi_completed", "rhi_eligible")


def _exact(force_con, name: str, f: Filters, **params):
    return queries.run(force_con, name, exact=True, **f.params(), **params)


def _raw(force_con, name: str, f: Filters):
    return queries._execute(force_con, name, f.params())


# --- who has which scope ------------------------------------------------------------------


def test_a_council_scope_is_a_council_of_the_force_and_the_force_code_is_the_whole_build(force_settings):
    assert set(auth.councils()) == set(COUNCILS)
    assert auth.check_council(KIRKLEES) == KIRKLEES
    assert auth.check_council(FORCE) is None and auth.check_council(None) is None
    with pytest.raises(ValueError, match="'E08000099' is not a council of West Yorkshire; councils: E08000032"):
        auth.check_council("E08000099")


def test_a_single_council_build_has_no_council_scopes():
    assert auth.councils() == {}
    assert auth.check_council(KIRKLEES) is None  # Kirklees's own code is its whole build
    with pytest.raises(ValueError, match="not a council of Kirklees"):
        auth.check_council(CALDERDALE)


def test_local_accounts_keep_their_council_and_refuse_unknown_ones(force_settings, tmp_path):
    path = tmp_path / "users.toml"
    auth.add_user(path, "sam.kirklees", "analyst", "correct horse battery", council=KIRKLEES)
    auth.add_user(path, "pat.force", "strategic", "correct horse battery")
    assert auth.verify_local("sam.kirklees", "correct horse battery", path) == auth.User("sam.kirklees", "analyst", KIRKLEES)
    assert auth.verify_local("pat.force", "correct horse battery", path) == auth.User("pat.force", "strategic")
    with pytest.raises(ValueError, match="not a council of West Yorkshire"):
        auth.add_user(path, "x", "analyst", "correct horse battery", council="E09000001")
    # An account whose council is not (or no longer) one of the deployment's gets no access, not the whole build.
    path.write_text(path.read_text().replace(KIRKLEES, "E09000001"))
    assert auth.verify_local("sam.kirklees", "correct horse battery", path) is None


def test_cli_add_user_takes_a_council(force_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "correct horse battery")
    path = tmp_path / "users.toml"
    assert auth.main(["--file", str(path), "add-user", "sam", "--role", "analyst", "--council", KIRKLEES]) == 0
    assert auth.main(["--file", str(path), "add-user", "lee", "--role", "analyst", "--council", "nonsense"]) == 1
    assert "'nonsense' is not a council of West Yorkshire" in capsys.readouterr().err
    assert auth.main(["--file", str(path), "list-users"]) == 0
    assert f"sam\tanalyst\t{KIRKLEES}" in capsys.readouterr().out


def test_role_map_gives_a_council_scope_or_the_whole_build(force_settings, tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(f'[emails]\n"sam@kirklees.gov.uk" = {{role = "analyst", council = "{KIRKLEES}"}}\n'
                    '[groups]\n"wyp-strategic" = "strategic"\n')
    role_map = auth.load_role_map(path)
    assert auth.grant_from_claims({"email": "sam@kirklees.gov.uk"}, role_map) == ("analyst", KIRKLEES)
    assert auth.grant_from_claims({"email": "x@wyp.police.uk", "groups": ["wyp-strategic"]}, role_map) == ("strategic", None)
    path.write_text('[groups]\n"g" = {role = "analyst", council = "E09000001"}\n')
    with pytest.raises(ValueError, match="not a council of West Yorkshire"):
        auth.load_role_map(path)


def test_a_council_user_gets_only_the_pages_built_for_council_scope():
    assert auth.pages_for("analyst", KIRKLEES) == ["overview", "trends", "rhi", "map", "places", "postcodes", "groups",
                                                   "disproportionality", "disruption"]
    assert auth.pages_for("partner", KIRKLEES) == ["map", "places", "postcodes", "disruption"]
    # The data quality and audit pages read every council's files and sign-ins.
    assert auth.pages_for("admin", KIRKLEES) == ["overview"]
    assert "data_quality" in auth.pages_for("admin")
    with pytest.raises(auth.AccessDenied):
        auth.require("admin", "data_quality", KIRKLEES)


# --- what the figures count -------------------------------------------------------------


def test_council_figures_count_only_the_councils_own_records(force_con, force_month):
    f = Filters(force_month, period="year", data_end=force_month)
    for council in (KIRKLEES, CALDERDALE):
        got = _exact(force_con, "overview_episodes", replace(f, scope=council)).iloc[0]
        want = force_con.execute("""
            select count(*), count(distinct person_key), count(*) filter (where ended_at is not null)
            from int_episodes where owner_code = ? and start_month between ? and ?""",
                           [council, f.month_from, f.month_to]).fetchone()
        assert (got["episodes"], got["children"], got["returned"]) == want
        offences = _exact(force_con, "overview_offences", replace(f, scope=council)).iloc[0]["offences"]
        want_offences = force_con.execute("""
            select count(distinct o.offence_key) from stg_offences as o
            join int_events as e on e.event_id = 'offence:' || o.offence_key join geo_lsoa as l on l.lsoa_code = e.lsoa_code
            where l.council_code = ? and o.person_key is not null and o.offence_month between ? and ?""",
                                    [council, f.month_from, f.month_to]).fetchone()[0]
        assert offences == want_offences > 0


def test_the_whole_build_is_the_sum_of_the_councils_with_the_same_cell_keys(force_con, force_month):
    """Partitioning by owner changed no whole-build figure: its counts and cell keys are the
    councils' summed, so the force user sees exactly what the build showed before scopes."""
    f = Filters(force_month, period="quarter", data_end=force_month)
    whole = _raw(force_con, "overview_episodes", f).iloc[0]
    parts = [_raw(force_con, "overview_episodes", replace(f, scope=c)).iloc[0] for c in COUNCILS]
    for measure in ("episodes", "returned", "rhi_completed", "episodes_ckey", "returned_ckey"):
        assert whole[measure] == sum(p[measure] for p in parts)
    located = sum(_raw(force_con, "overview_offences", replace(f, scope=c)).iloc[0]["offences"] for c in COUNCILS)
    # Every offence is placed in a council: by its own LSOA, its place's or its postcode sector's.
    assert _raw(force_con, "overview_offences", f).iloc[0]["offences"] == located


def test_queries_that_do_not_filter_by_scope_are_refused_to_a_council(force_con, force_month):
    f = Filters(force_month, period="year", data_end=force_month, scope=KIRKLEES)
    with pytest.raises(queries.QueryError, match="does not filter by scope"):
        queries.run(force_con, "top_places", **f.params(), limit=5)
    # Declared scope-free reads (the period picker) still run.
    assert len(queries.run(force_con, "month_range", scope=KIRKLEES)) == 1


def test_a_council_user_chooses_among_their_councils_localities(force_con):
    kirklees = queries.run(force_con, "localities", scope=KIRKLEES)["locality"].tolist()
    assert kirklees == ["Batley and Spen", "Dewsbury and Mirfield", "Huddersfield", "Kirklees Rural"]
    assert set(queries.run(force_con, "localities", scope=auth.WHOLE)["locality"]) - set(kirklees) == {
        "Bradford", "Calderdale", "Leeds", "Wakefield"}


def test_every_query_filters_by_scope_or_says_why_it_need_not():
    """A new query is refused to council users until it filters by $scope or declares
    ``-- any scope: why``; this lists which do, so the list only grows on purpose."""
    scoped = sorted(p.stem for p in (ROOT / "sql" / "queries").glob("*.sql") if "$scope" in p.read_text())
    assert scoped == ["area_events", "area_profile_actions", "area_profile_groups", "area_profile_monthly",
                      "area_profile_places", "area_profile_themes", "disruption_actions_listed", "group_members",
                      "group_members_others", "group_mix", "group_monthly", "group_network_edges",
                      "group_network_nodes", "group_places", "group_profile", "group_table", "localities",
                      "map_heat", "overview_episodes", "overview_groups", "overview_offences",
                      "overview_peer_groups", "place_counts", "place_profile", "place_profile_actions", "place_profile_monthly",
                      "place_profile_quarters", "place_profile_themes", "place_ranking", "postcode_hotspots",
                      "postcode_tension", "postcode_tension_pairs", "rhi_breakdown", "rhi_monthly", "rhi_reasons",
                      "rri_counts", "trend_episodes", "trend_events", "trend_offences"]


def test_nothing_a_user_sends_changes_the_scope(force_con, force_month):
    f = Filters.from_query({"month": force_month.strftime("%Y-%m"), "scope": "All", "council": CALDERDALE}, force_month, force_month, [],
                           scope=KIRKLEES)
    assert f.scope == KIRKLEES and "scope" not in f.to_query() and "council" not in f.to_query()
    kirklees = queries.bind(force_con, run=lambda c, n, **p: queries.run(c, n, exact=True, **p), scope=KIRKLEES)
    widened = kirklees("overview_episodes", Filters(force_month), scope="All").iloc[0]["episodes"]
    own = _exact(force_con, "overview_episodes", Filters(force_month, scope=KIRKLEES)).iloc[0]["episodes"]
    whole = _exact(force_con, "overview_episodes", Filters(force_month)).iloc[0]["episodes"]
    assert widened == own < whole


def test_a_council_overview_shows_its_own_figures_and_no_force_wide_tables(force_con, force_month, force_settings):
    f = Filters(force_month, period="quarter", data_end=force_month, scope=KIRKLEES)
    ov = pack_collect.collect(queries.bind(force_con, scope=KIRKLEES), f, POLICY)
    assert ov.area == "Kirklees" and ov.scope_note.startswith("Kirklees only")
    assert ov.places is None and ov.emerging is None and ov.peer_groups is None and ov.data_quality == ""
    force = pack_collect.collect(queries.bind(force_con), Filters(force_month, period="quarter", data_end=force_month), POLICY)
    assert force.area == "West Yorkshire" and force.places is not None and not force.scope_note
    shown = {fig.measure.key: fig.value for fig in ov.figures}
    whole = {fig.measure.key: fig.value for fig in force.figures}
    assert shown["episodes"] != whole["episodes"]
    assert json.dumps(f.as_dict()).count(KIRKLEES) == 1  # the audit log records the scope with each view
