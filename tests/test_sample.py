"""The synthetic sample: deterministic, contract-valid, and showing the structure it claims."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.sample import DEFAULT_OUT, generate
from pipelines.sample.readback import Sample, norm_postcode, parse_datetimes

FILES = (
    "missing_episodes.csv",
    "return_home_interviews.csv",
    "offences.csv",
    "places.csv",
    "disruption_actions.csv",
    "ground_truth.json",
    "README.md",
)
# Required columns of contract v1 (for "one of" pairs, the columns the sample uses).
REQUIRED = {
    "missing_episodes.csv": {"episode_id", "person_id", "start_datetime", "age", "date_of_birth"},
    "return_home_interviews.csv": {"rhi_id", "episode_id", "outcome"},
    "offences.csv": {"offence_id", "offence_datetime", "offence_type", "postcode", "lat", "lon", "place_id"},
    "places.csv": {"place_id", "name", "category", "postcode", "lat", "lon"},
    "disruption_actions.csv": {"action_id", "place_id", "area_code", "action_type", "start_date"},
}
THEMES = {
    "CSE",
    "CCE",
    "COUNTY_LINES",
    "DRUGS",
    "ALCOHOL",
    "PEERS",
    "FAMILY",
    "SCHOOL",
    "ONLINE",
    "ASSAULT",
    "WEAPON",
    "GANG",
    "TRAFFICKING",
    "HOUSING",
    "MENTAL_HEALTH",
}
CATEGORIES = {
    "HOTEL",
    "TAXI",
    "TAKEAWAY",
    "SHOP",
    "PARK",
    "TRANSPORT_HUB",
    "SCHOOL",
    "YOUTH_VENUE",
    "LICENSED_PREMISES",
    "RESIDENTIAL_AREA",
    "OTHER",
}
WEIGHTS = {"missing_found": 1.0, "rhi_mention": 1.5, "offence": 0.5}


@pytest.fixture(scope="module")
def sample() -> Sample:
    return Sample(DEFAULT_OUT)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((DEFAULT_OUT / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def events(sample) -> pd.DataFrame:
    return sample.place_events()


def _strip(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip()


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    a, b, c = (generate(tmp_path / n, seed=s, scale=0.2) for n, s in (("a", 3), ("b", 3), ("c", 4)))
    assert a == b and a != c
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "offences.csv").read_bytes() != (tmp_path / "c" / "offences.csv").read_bytes()


def test_shipped_sample_is_what_the_generator_writes(tmp_path):
    generate(tmp_path, seed=7, scale=1.0)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DEFAULT_OUT / name).read_bytes(), f"regenerate data/sample ({name})"


def test_every_file_has_the_contract_columns(sample):
    frames = {
        "missing_episodes.csv": sample.episodes,
        "return_home_interviews.csv": sample.rhis,
        "offences.csv": sample.offences,
        "places.csv": sample.places,
        "disruption_actions.csv": sample.actions,
    }
    for name, required in REQUIRED.items():
        assert required <= set(frames[name].columns), name


def test_ground_truth_has_exactly_the_agreed_keys(truth):
    assert set(truth) == {
        "seed",
        "period",
        "place_hotspots",
        "emerging_hotspot",
        "peer_groups",
        "postcode_tension",
        "disruption",
        "small_places",
    }
    assert truth["period"] == {"first_month": "2023-11", "last_month": "2026-10"}
    assert set(truth["disruption"]) == {"effective", "ineffective", "too_few"}


def test_volumes_look_like_one_local_authority(sample):
    e = sample.episodes
    assert 5_000 <= len(e) <= 8_000
    assert 2_200 <= e["person_id"].nunique() <= 2_800
    assert 0.8 * len(e) <= len(sample.rhis) <= len(e)
    assert 3_000 <= len(sample.offences) <= 9_000
    assert len(sample.places) == 150 and 50 <= len(sample.actions) <= 70
    children = e.groupby("person_id")["is_looked_after"].max()
    assert 0.14 <= children.mean() <= 0.21
    assert 0.42 <= e["is_looked_after"].mean() <= 0.58
    per_child = e["person_id"].value_counts()
    assert per_child.median() == 1 and per_child.max() >= 30
    months = e["started_at"].dt.month.value_counts()
    assert months[[6, 7, 8, 9, 10]].mean() > months[[1, 2, 3]].mean() * 1.15


def test_every_row_is_valid(sample):
    e, r, o, p, a = sample.episodes, sample.rhis, sample.offences, sample.places, sample.actions
    known = set(sample.postcodes.index)
    for frame, cols in (
        (e, ("home_postcode", "missing_from_postcode", "found_postcode")),
        (o, ("postcode",)),
        (p, ("postcode",)),
    ):
        for col in cols:
            assert norm_postcode(frame[col]).dropna().isin(known).all(), col
    assert e["started_at"].notna().all() and not e["episode_id"].duplicated().any()
    assert (e["ended_at"].dropna() >= e.loc[e["ended_at"].notna(), "started_at"]).all()
    assert (e["age"].notna() | e["date_of_birth"].notna()).all()
    assert parse_datetimes(e["date_of_birth"]).notna().sum() == e["date_of_birth"].notna().sum()
    assert not r["rhi_id"].str.strip().duplicated().any() and r["episode_id"].isin(set(e["episode_id"])).all()
    done = r["completed_at"].notna() & r["offered_at"].notna()
    assert (r.loc[done, "completed_at"] >= r.loc[done, "offered_at"]).all()
    assert set(r["outcome"]) == {"COMPLETED", "DECLINED", "NO_CONTACT", "NOT_OFFERED"}
    assert set(r["themes"].dropna().str.split(";").explode()) <= THEMES
    assert o["offence_at"].notna().all()
    assert (o["postcode"].notna() | o["lat"].notna() | o["place_id"].notna()).all()
    assert not o.dropna(subset=["person_id"]).duplicated(["offence_id", "person_id"]).any()
    # Rows of one offence describe the same event: one time, type and place.
    same = (
        o.assign(t=_strip(o["offence_type"]))
        .groupby("offence_id")[["offence_at", "t", "lat_r", "lon_r"]]
        .nunique(dropna=False)
    )
    assert (same <= 1).all().all()
    assert set(p["category"]) <= CATEGORIES and not p["place_id"].duplicated().any()
    for col in (o["place_id"], e["found_place_id"], a["place_id"]):
        assert col.dropna().str.strip().isin(set(p["place_id"])).all()
    assert (a["place_id"].isna() != a["area_code"].isna()).all()
    people = set(e["person_id"]) | set(o["person_id"].dropna())
    assert set(r["associates"].explode().dropna()) <= people


OFFENCE_LEVEL = (
    "offence_datetime",
    "offence_type",
    "postcode",
    "lat",
    "lon",
    "place_id",
    "serious_violence",
    "weapon",
    "exploitation",
)


def _offences_written_inconsistently(offences: pd.DataFrame) -> pd.Series:
    """Offence ids whose rows differ in any offence-level column, as written (spelling included)."""
    raw = offences.assign(offence_id=_strip(offences["offence_id"]))
    distinct = raw.groupby("offence_id")[list(OFFENCE_LEVEL)].nunique(dropna=False)
    return distinct.index[(distinct > 1).any(axis=1)].to_series()


def test_rows_of_one_offence_are_written_identically_except_the_person():
    raw = pd.read_csv(DEFAULT_OUT / "offences.csv", dtype=str, keep_default_na=False)
    assert raw["offence_id"].str.strip().duplicated().sum() > 500  # offences with several people exist
    assert _offences_written_inconsistently(raw).empty
    # Person columns still differ between the rows of one offence.
    assert raw.groupby(raw["offence_id"].str.strip())["person_id"].nunique().max() >= 2


def test_rows_of_one_offence_agree_at_other_scales(tmp_path):
    generate(tmp_path, seed=11, scale=0.4, offence_factor=2.0)
    raw = pd.read_csv(tmp_path / "offences.csv", dtype=str, keep_default_na=False)
    assert raw["offence_id"].str.strip().duplicated().any()
    assert _offences_written_inconsistently(raw).empty


def test_messy_variants_are_all_present(sample):
    starts = sample.episodes["start_datetime"]
    assert (
        starts.str.contains("T").any()
        and starts.str.match(r"\d{2}/\d{2}/\d{4}").any()
        and starts.str.match(r"\d{4}-").any()
    )
    assert {"Y", "Yes", "TRUE", "1", "N", "No", "false", "0"} <= set(sample.episodes["looked_after"].dropna())
    homes = sample.episodes["home_postcode"].dropna()
    assert homes.str.match(r"^[a-z]").any() and homes.str.fullmatch(r"[A-Z0-9]{5,7}").any()
    assert (homes != homes.str.strip()).any()
    assert sample.offences["offence_datetime"].str.fullmatch(r"\d{4}-\d{2}").any()
    assert sample.episodes["found_lat"].notna().any() and sample.episodes["date_of_birth"].notna().any()
    assert re.fullmatch(r"LL-\d{7}", sample.episodes["person_id"].iloc[0].strip())


def test_planted_hotspots_lead_on_every_score(events, truth):
    counts = events.groupby("place_id").size()
    weighted = events["source"].map(WEIGHTS).groupby(events["place_id"]).sum()
    people_or_months = events.groupby("place_id")["month"].nunique()
    for score in (counts, weighted, people_or_months):
        assert set(score.nlargest(3).index) == set(truth["place_hotspots"])
    for place in truth["place_hotspots"]:
        mine = events[events["place_id"] == place]
        assert set(mine["source"]) == set(WEIGHTS) and mine["month"].nunique() >= 24


def test_emerging_place_rises_only_at_the_end(events, truth):
    mine = events[events["place_id"] == truth["emerging_hotspot"]]
    recent = mine["month"] >= pd.Period("2026-05", "M")
    assert recent.sum() >= 30 and (~recent).sum() <= 2
    assert truth["emerging_hotspot"] not in set(events.groupby("place_id").size().nlargest(3).index)


def test_small_places_stay_small_and_the_rest_have_modest_background(events, truth):
    counts = events.groupby("place_id").size()
    assert (counts.reindex(truth["small_places"], fill_value=0) < 10).all()
    special = set(truth["place_hotspots"]) | set(truth["small_places"]) | {truth["emerging_hotspot"]}
    rest = counts[~counts.index.isin(special)]
    assert rest.median() <= 30 and rest.max() < counts[truth["place_hotspots"]].min()


def _before_after(sample: Sample, events: pd.DataFrame, action_id: str) -> tuple[int, int, int]:
    action = sample.actions.set_index("action_id").loc[action_id]
    month = parse_datetimes(pd.Series([action["start_date"]])).dt.to_period("M").iloc[0]
    mine = events[events["place_id"] == action["place_id"]]["month"]
    before = int(mine.between(month - 3, month - 1).sum())
    after = int(mine.between(month + 1, month + 3).sum())
    return before, after, len(mine)


def test_disruption_actions_have_the_planted_effects(sample, events, truth):
    before, after, _ = _before_after(sample, events, truth["disruption"]["effective"])
    assert before >= 12 and after <= 0.4 * before
    before, after, _ = _before_after(sample, events, truth["disruption"]["ineffective"])
    assert before >= 12 and abs(after - before) <= 0.25 * before
    assert 2 <= _before_after(sample, events, truth["disruption"]["too_few"])[2] <= 4


def _occasions(episodes: pd.DataFrame) -> list[pd.DataFrame]:
    """Clusters of episodes whose start times are within an hour of the first."""
    e = episodes.sort_values("started_at")
    out, current = [], []
    for _, row in e.iterrows():
        if current and row["started_at"] - current[0]["started_at"] > pd.Timedelta(hours=1):
            out.append(pd.DataFrame(current))
            current = []
        current.append(row)
    if current:
        out.append(pd.DataFrame(current))
    return out


def test_peer_groups_go_missing_offend_and_name_each_other_together(sample, truth):
    e, o = sample.episodes, sample.offences
    named = sample.rhis.merge(e[["episode_id", "person_id"]], on="episode_id")[["person_id", "associates"]].explode(
        "associates"
    )
    group_of = {p: g for g, members in enumerate(truth["peer_groups"]) for p in members}
    for members in truth["peer_groups"]:
        assert 4 <= len(members) <= 8
        joint = [c for c in _occasions(e[e["person_id"].isin(members)]) if c["person_id"].nunique() >= 3]
        assert len(joint) >= 5
        assert all(c["missing_from_sector"].nunique() == 1 for c in joint)
        assert joint[-1]["started_at"].min() >= pd.Timestamp("2026-10-01")
        together = o[o["person_id"].isin(members)].groupby("offence_id")["person_id"].nunique()
        assert (together >= 2).sum() >= 3
        theirs = named[named["person_id"].isin(members)]["associates"].dropna()
        assert len(theirs) >= 10 and theirs.isin(members).all()
    links = named.dropna()
    linked = links[links["person_id"].isin(group_of) & links["associates"].isin(group_of)]
    assert (linked["person_id"].map(group_of) == linked["associates"].map(group_of)).all()


def test_background_children_rarely_go_missing_together(sample, truth):
    planted = {p for members in truth["peer_groups"] for p in members}
    e = sample.episodes[~sample.episodes["person_id"].isin(planted)].dropna(subset=["missing_from_sector"])
    e = e.sort_values("started_at")
    t = e["started_at"].to_numpy().astype("datetime64[s]").astype(np.int64)
    sector, person = e["missing_from_sector"].to_numpy(), e["person_id"].to_numpy()
    pairs: dict[tuple, int] = {}
    for i in range(len(e)):
        j = i + 1
        while j < len(e) and t[j] - t[i] <= 3600:
            if sector[j] == sector[i] and person[j] != person[i]:
                key = tuple(sorted((person[i], person[j])))
                pairs[key] = pairs.get(key, 0) + 1
            j += 1
    assert sum(1 for n in pairs.values() if n >= 2) <= 3


def test_postcode_tension_is_the_strongest_cross_district_pair(sample, truth):
    e, o = sample.episodes, sample.offences
    home = e.dropna(subset=["home_district"]).groupby("person_id")["home_district"].first()
    v = o[
        _strip(o["offence_type"]).isin(["Violence and sexual offences", "Possession of weapons"])
        & _strip(o["role"]).isin(["SUSPECT", "VICTIM"])
    ]
    v = v.dropna(subset=["lat_r"])
    pcs = sample.postcodes
    from scipy.spatial import cKDTree

    from pipelines.sample.geo import metres

    _, idx = cKDTree(metres(pcs["lat"].to_numpy(), pcs["lon"].to_numpy())).query(
        metres(v["lat_r"].to_numpy(float), v["lon_r"].to_numpy(float))
    )
    where = pd.Series(pcs["district"].to_numpy()[idx], index=v.index)
    frm = v["person_id"].map(home)
    cross = pd.DataFrame({"a": frm, "b": where}).dropna()
    cross = cross[cross["a"] != cross["b"]]
    both_ways = cross.groupby(["a", "b"]).size()
    a, b = truth["postcode_tension"]
    assert both_ways.get((a, b), 0) >= 15 and both_ways.get((b, a), 0) >= 15
    pair = cross.apply(lambda r: "|".join(sorted((r["a"], r["b"]))), axis=1).value_counts()
    assert pair.index[0] == "|".join(sorted((a, b))) and pair.iloc[0] >= 3 * pair.iloc[1]


def test_months_out_holds_back_the_last_month(tmp_path):
    truth = generate(tmp_path, seed=7, scale=0.2, months_out=1)
    assert truth["period"]["last_month"] == "2026-09"
    s = Sample(tmp_path)
    cut = pd.Timestamp("2026-10-01")
    assert (s.episodes["started_at"] < cut).all() and (s.episodes["ended_at"].dropna() < cut).all()
    assert (s.offences["offence_at"] < cut).all() and (s.rhis["offered_at"].dropna() < cut).all()


def test_scale_grows_background_but_plants_structure_once(tmp_path):
    small = generate(tmp_path / "small", seed=7, scale=0.2)
    big = generate(tmp_path / "big", seed=7, scale=2.0, offence_factor=1.5)
    assert small["place_hotspots"] == big["place_hotspots"] and len(big["peer_groups"]) == 3
    rows = {d: len((tmp_path / d / "missing_episodes.csv").read_text().splitlines()) for d in ("small", "big")}
    assert 6 <= rows["big"] / rows["small"] <= 14
    offences = pd.read_csv(tmp_path / "big" / "offences.csv", dtype=str)
    assert offences["offence_id"].str.strip().nunique() > 8_000 and offences["person_id"].isna().mean() > 0.2


def test_readme_says_synthetic_and_credits_the_postcodes():
    text = (DEFAULT_OUT / "README.md").read_text()
    assert "synthetic" in text.lower() and "data/geography/SOURCES.md" in text and "Kirklees" in text


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="months_out"):
        generate(tmp_path, months_out=40)
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale=0)


def test_command_line_writes_the_files(tmp_path):
    from pipelines.sample.__main__ import main

    assert main(["--out", str(tmp_path), "--scale", "0.1", "--seed", "1"]) == 0
    assert all((tmp_path / name).exists() for name in FILES)
    assert isinstance(json.loads(Path(tmp_path / "ground_truth.json").read_text())["seed"], int)
