"""Places for each scope in a force-wide build (issue 22, part 3), on the shipped force sample.

The planted boundary place (ground_truth.json) is flagged cross-border, and no other; a
council user's Places page (by URL, Streamlit AppTest) lists their own places, the places
next to their council and the places their own children used, never another council's
place that is none of these; the council's figures are recomputed in plain pandas from
the sample's CSV files; the CSV export holds only those places; and subtracting a council
user's place figures from the force user's is held to the attack suite's bounds.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from contextmap import auth, disclosure, export, places_view, queries
from contextmap.filters import Filters
from contextmap.settings import ROOT, PlaceWeights
from tests import attack
from tests.test_attack import _judge
from tests.test_scope_pages import _start, served  # noqa: F401 (a fixture)

SAMPLE = ROOT / "data" / "sample_force"
BRADFORD, KIRKLEES, LEEDS = "E08000032", "E08000034", "E08000035"
COUNCILS = ("E08000032", "E08000033", "E08000034", "E08000035", "E08000036")
POLICY = disclosure.Policy()
WEIGHTS = PlaceWeights(1.0, 1.5, 0.5)
GROUND_TRUTH = json.loads((SAMPLE / "ground_truth.json").read_text())["cross_border"]["boundary_place"]


def _ranking(force_con, f: Filters, scope: str, exact: bool = True) -> pd.DataFrame:
    return queries.run(force_con, "place_ranking", exact=exact, **{**f.params(), "scope": scope},
                       **places_view.ranking_params(WEIGHTS))


def _dated(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The sample's files are messy on purpose: ids with spaces, dates written several ways."""
    ids = {c: df[c].str.strip() for c in ("episode_id", "person_id") if c in df}
    return df.assign(**ids, **{c: pd.to_datetime(df[c].str.strip(), format="mixed", dayfirst=True) for c in columns})


def _csv_links() -> pd.DataFrame:
    """Each child's link to a place, from the CSV files alone: found there (found_place_id)
    or the place named in a return home interview; with the owner (the council's folder)
    and the month, as the build dates them."""
    rows = []
    for council in COUNCILS:
        eps = _dated(pd.read_csv(SAMPLE / council / "missing_episodes.csv"), "start_datetime", "end_datetime")
        rhis = _dated(pd.read_csv(SAMPLE / council / "return_home_interviews.csv"), "offered_datetime",
                      "completed_datetime")
        found = eps.dropna(subset=["found_place_id"])
        rows.append(pd.DataFrame({"place_id": found["found_place_id"], "child": found["person_id"],
                                  "owner": council, "source": "missing_found",
                                  "at": found["end_datetime"].fillna(found["start_datetime"])}))
        named = rhis.dropna(subset=["places_mentioned"]).merge(eps, on="episode_id")
        named = named.assign(place_id=named["places_mentioned"].str.split(";").map(
            lambda ts: sorted({t.strip() for t in ts if t.strip()}))).explode("place_id")
        when = named["completed_datetime"].fillna(named["offered_datetime"]).fillna(named["end_datetime"]) \
            .fillna(named["start_datetime"])
        rows.append(pd.DataFrame({"place_id": named["place_id"].str.strip(), "child": named["person_id"],
                                  "owner": council, "source": "rhi_mention", "at": when}))
    links = pd.concat(rows, ignore_index=True)
    return links.assign(month=pd.to_datetime(links["at"]).dt.to_period("M").dt.to_timestamp().dt.date)


# --- cross-border places --------------------------------------------------------------------


def test_the_planted_boundary_place_and_no_other_is_cross_border(force_con):
    flagged = force_con.execute("select place_id, councils from mart_place_cross_border where is_cross_border").fetchall()
    assert flagged == [(GROUND_TRUTH["place"], len(GROUND_TRUTH["councils"]))]
    # The same from the CSV files: councils with more than suppress_max children at a place.
    links = _csv_links()
    children = links.groupby(["place_id", "owner"])["child"].nunique()
    councils = (children > POLICY.suppress_max).groupby("place_id").sum()
    assert sorted(councils[councils >= 2].index) == [GROUND_TRUTH["place"]]
    assert sorted(links.loc[links["place_id"] == GROUND_TRUTH["place"], "owner"].unique()) == \
        sorted(GROUND_TRUTH["councils"])


def test_a_council_with_a_small_number_of_children_at_a_place_is_not_counted(force_con):
    """A council counted for 1 to suppress_max children would tell other councils' users
    that some of a hidden count were there: the flag needs more than that from each."""
    few = force_con.execute("""
        select e.place_id, count(distinct ep.owner_code) as owners
        from int_events as e join int_episodes as ep using (episode_key)
        where e.place_id is not null group by 1 having count(distinct ep.owner_code) >= 2
    """).df()
    assert len(few) > 1, "the sample has places with a few children of a second council"
    shown = force_con.execute("select place_id, councils from mart_place_cross_border").df().set_index("place_id")
    assert (shown.loc[few["place_id"], "councils"] < few.set_index("place_id")["owners"]).any()


def test_every_scope_sees_the_same_cross_border_flag(force_con, force_month):
    f = Filters(force_month, period="year", data_end=force_month)
    for scope in (auth.WHOLE, BRADFORD, LEEDS):
        row = _ranking(force_con, f, scope).set_index("place_id").loc[GROUND_TRUTH["place"]]
        assert row["is_cross_border"] and row["cross_border_councils"] == 2
        assert places_view.cross_border_text(row["cross_border_councils"]) == "Used by children from 2 councils"


# --- which places a council user sees -------------------------------------------------------


def _expected_places(force_con, council: str) -> set[str]:
    """Own places, places in an LSOA bordering the council, places the council's children used
    (from the CSV files): the geography from the build's open-data tables."""
    places = force_con.execute("select p.place_id, p.lsoa_code, l.council_code from int_places as p "
                         "left join geo_lsoa as l using (lsoa_code)").df()
    neighbours = force_con.execute("select n.lsoa_code, l.council_code as next_to from geo_lsoa_neighbours as n "
                             "join geo_lsoa as l on l.lsoa_code = n.neighbour_code").df()
    own = set(places.loc[places["council_code"] == council, "place_id"])
    bordering = places.merge(neighbours, on="lsoa_code")
    borders = set(bordering.loc[bordering["next_to"] == council, "place_id"])
    links = _csv_links()
    used = set(links.loc[links["owner"] == council, "place_id"]) & set(places["place_id"])
    return own | borders | used


@pytest.mark.parametrize("council", [BRADFORD, KIRKLEES])
def test_a_council_ranks_its_own_bordering_and_used_places_and_no_other(force_con, force_month, council):
    seen = set(_ranking(force_con, Filters(force_month, period="year", data_end=force_month), council)["place_id"])
    expected = _expected_places(force_con, council)
    assert seen == expected
    every = set(force_con.execute("select place_id from int_places").df()["place_id"])
    assert len(every - seen) > 400, "most of the force's places are another council's, unused and not next door"


def test_a_councils_figures_at_places_are_its_own_childrens_recomputed_from_the_csv_files(force_con, force_month):
    """Named in RHIs and found here, summed over the places Bradford sees, over the whole data
    span (the build dates some events by other columns when a date is implausible): the CSV
    files' count of Bradford's children's links, other councils' never counted."""
    last = force_con.execute("select max(event_month) from mart_place_event_cells").fetchone()[0]
    span = {**Filters(force_month).params(), "month_from": date(2000, 1, 1), "month_to": last, "scope": BRADFORD}
    ranked = queries.run(force_con, "place_ranking", exact=True, **span, **places_view.ranking_params(WEIGHTS))
    links = _csv_links()
    mine = links[(links["owner"] == BRADFORD) & links["place_id"].isin(set(ranked["place_id"]))]
    assert ranked["rhi_mention"].sum() == (mine["source"] == "rhi_mention").sum() > 0
    # Found events also link by the found point (int_place_links), so the file's place ids are a floor.
    assert ranked["missing_found"].sum() >= (mine["source"] == "missing_found").sum() > 0
    whole = queries.run(force_con, "place_ranking", exact=True, **{**span, "scope": auth.WHOLE},
                        **places_view.ranking_params(WEIGHTS)).set_index("place_id")
    assert (ranked.set_index("place_id")["rhi_mention"] <= whole.loc[ranked["place_id"], "rhi_mention"]).all()
    boundary = ranked.set_index("place_id").loc[GROUND_TRUTH["place"]]
    leeds = links[(links["owner"] == LEEDS) & (links["place_id"] == GROUND_TRUTH["place"])]
    assert boundary["rhi_mention"] + (leeds["source"] == "rhi_mention").sum() == \
        whole.loc[GROUND_TRUTH["place"], "rhi_mention"]  # Leeds's children are in the force's figure only
    assert ranked["is_hotspot"].isna().all() and ranked["peer_groups"].isna().all()


def test_a_place_outside_the_scope_has_no_profile(force_con, force_month):
    unseen = force_con.execute("select place_id from int_places where place_id not in "
                         "(select place_id from mart_place_scopes where council_code = ?) limit 1", [KIRKLEES]).fetchone()[0]
    f = Filters(force_month, period="year", data_end=force_month)
    for name in ("place_profile", "place_profile_actions"):
        assert queries.run(force_con, name, place_id=unseen, scope=KIRKLEES).empty
        assert not queries.run(force_con, name, place_id=unseen, scope=auth.WHOLE).empty or name.endswith("actions")
    monthly = queries.run(force_con, "place_profile_monthly", exact=True, **{**f.params(), "scope": KIRKLEES},
                          place_id=unseen, trend_from=f.month_from)
    assert monthly["events"].sum() == 0


# --- the page, by URL, and its export --------------------------------------------------------


def _places_page(role: str, council: str | None, place: str | None = None):
    at = _start(role, council, url={"place": place} if place else None)
    at.switch_page("pages/places.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_council_user_sees_their_places_page_by_url_and_nothing_of_another_councils(served, force_con):  # noqa: F811
    unseen = force_con.execute("select p.place_id, p.name from int_places as p where p.place_id not in "
                         "(select place_id from mart_place_scopes where council_code = ?) limit 1", [BRADFORD]).fetchone()
    at = _places_page("analyst", BRADFORD, place=unseen[0])
    assert at.title[0].value == "Places of concern"
    table = at.dataframe[0].value
    names = set(table["Place"])
    allowed = set(force_con.execute("select name from int_places where place_id in (select place_id from mart_place_scopes "
                              "where council_code = ?)", [BRADFORD]).df()["name"])
    assert names and names <= allowed and unseen[1] not in names
    assert "Hotspot" not in table.columns
    # The grid holds Cross-border's sort value (its number of councils) and shows "2 councils".
    assert table.set_index("Place").loc[force_con.execute("select name from int_places where place_id = ?",
                                                    [GROUND_TRUTH["place"]]).fetchone()[0], "Cross-border"] == 2
    assert any(c.value.startswith("Bradford only") for c in at.caption)
    assert unseen[1] not in [h.value for h in at.subheader] + [t.value for t in at.title]


def test_a_council_user_opens_the_boundary_places_profile_by_url_and_sees_it_is_cross_border(served):  # noqa: F811
    at = _places_page("analyst", LEEDS, place=GROUND_TRUTH["place"])
    metrics = {m.label: m.value for m in at.metric}
    assert any(c.value.replace("\\", "").endswith("Cross-border: used by children from 2 councils") for c in at.caption)
    assert "Hotspot" not in metrics and not any("Repeat incidents close together" in m.value for m in at.markdown)


def test_a_council_users_export_holds_only_their_places(served, force_con, monkeypatch):  # noqa: F811
    files = []
    real = export.safe_csv
    monkeypatch.setattr(export, "safe_csv", lambda df: files.append(df) or real(df))
    at = _places_page("analyst", KIRKLEES)
    key = "export_places_places_of_concern"
    at.text_area(key=f"{key}_why").input("Partnership review of places next to Kirklees")
    at.text_input(key=f"{key}_to").input("Kirklees licensing")
    next(b for b in at.button if b.label == "Prepare download").click()
    at.run()
    assert not at.exception, at.exception
    assert any(e.proto.label == "Download" for e in at.get("download_button"))
    allowed = set(force_con.execute("select name from int_places where place_id in (select place_id from mart_place_scopes "
                              "where council_code = ?)", [KIRKLEES]).df()["name"])
    exported = files[-1]
    assert len(exported) and set(exported["Place"]) <= allowed
    assert "Hotspot" not in exported.columns


def test_a_force_user_sees_every_place_and_the_hotspot_flag(served, force_con):  # noqa: F811
    at = _places_page("analyst", None)
    table = at.dataframe[0].value
    assert "Hotspot" in table.columns and "Cross-border" in table.columns
    assert not any(c.value.startswith("Bradford only") for c in at.caption)


# --- differencing across scopes, at places ---------------------------------------------------

PARTS = ("events", "missing_found", "rhi_mention", "offence", "children")


def _place_routes(force_con, policy: disclosure.Policy, years: int = 3) -> list[attack.Route]:
    """Each place's force figure minus a council's figure at the same place (the other
    councils' children, and offences the council does not count there), as the Places page
    shows both: the year so far and the ``years`` - 1 whole years before it."""
    views = attack.Views(force_con, policy)
    last = force_con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    routes = []
    for k in range(years):
        f = Filters(last - relativedelta(years=k), period="year", data_end=last)
        params = {k: v for k, v in f.params().items() if k != "scope"} | places_view.ranking_params(WEIGHTS)
        whole_true = views._run("place_ranking", True, **params, scope=auth.WHOLE).set_index("place_id")
        whole = places_view.places_table(views._run("place_ranking", False, **params, scope=auth.WHOLE),
                                         WEIGHTS, policy).set_index("place_id")
        for council in COUNCILS:
            own_true = views._run("place_ranking", True, **params, scope=council).set_index("place_id")
            own = places_view.places_table(views._run("place_ranking", False, **params, scope=council),
                                           WEIGHTS, policy, scoped=True).set_index("place_id")
            for part, column in zip(PARTS, ("Events", "Found here", "Named in RHIs", "Offences", "Children")):
                truth = whole_true.loc[own_true.index, part] - own_true[part]
                for place in truth.index[truth.between(1, policy.suppress_max)]:
                    route = attack._route("scope", f"{part} at {place} force minus {council}", truth[place],
                                          [(1, attack._number(whole.at[place, column])),
                                           (-1, attack._number(own.at[place, column]))], {"places"})
                    if route:
                        routes.append(route)
    return routes


def test_a_council_users_places_against_the_force_users_do_not_give_back_small_groups(force_con):
    _judge(_place_routes(force_con, POLICY), at_least=10)


def test_the_place_attack_catches_a_build_without_perturbation(force_con, tmp_path):
    zeros = tmp_path / "ptable.csv"
    zeros.write_text("pcv,ckey,pvalue\n" + "".join(f"{p},{k},0\n" for p in range(1, 751) for k in range(256)))
    unprotected = disclosure.Policy(suppress_max=POLICY.suppress_max, ptable_path=str(zeros))
    found = _place_routes(force_con, unprotected, years=2)
    assert len(found) >= 10 and all(r.error == 0 for r in found)


def test_force_place_figures_are_the_build_before_scopes(force_con, force_month):
    """The force's ranking is the places' every event: its figures equal the mart's own
    sums over all owners (so a council's parts and the rest add up to it)."""
    f = Filters(force_month, period="year", data_end=force_month)
    ranked = _ranking(force_con, f, auth.WHOLE).set_index("place_id")
    sums = force_con.execute("""
        select place_id, sum(events) as events from mart_place_event_cells
        where event_month between ? and ? group by 1""", [f.month_from, f.month_to]).df().set_index("place_id")
    assert (ranked.loc[sums.index, "events"] == sums["events"]).all()


def test_a_place_with_no_events_in_the_period_has_a_profile_without_a_rank(force_con, force_month, force_settings):
    """Its events (0) show as "c", and so does its score; it is unranked: the profile says "—"."""
    from contextmap import profile_view

    quiet = force_con.execute("select place_id from int_places where place_id not in "
                        "(select place_id from mart_place_event_cells where event_month = ?) limit 1", [force_month]).fetchone()[0]
    prof = profile_view.place_profile(queries.bind(force_con), quiet, Filters(force_month), POLICY, WEIGHTS)
    metrics = {m[0]: m[1] for m in prof.metrics}
    assert metrics["Score"] == "c" and metrics["Rank"] == "—"
