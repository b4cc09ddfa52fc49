"""The dashboard queries that read the small marts give exactly what the event-level SQL gave.

The reference SQL below is the text of each query before it was pointed at
mart_episode_cells, mart_episode_theme_cells, mart_episode_children,
mart_episode_offer_hours and mart_offence_cells (it scans int_episodes and stg_offences),
except that an offence's locality is where int_events places it (its place's or postcode
sector's when it has no LSOA of its own), as every other view places it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from minidb import mini_db

from contextmap import queries
from contextmap.filters import Filters

REFERENCE = {
    "overview_episodes": """
-- Headline missing and RHI figures for one period and locality.
with episodes as (
    select *
    from int_episodes
    where start_month between $month_from and $month_to
      and ($locality = 'All' or locality = $locality)
      and ($looked_after = 'All' or coalesce(is_looked_after, false) = ($looked_after = 'Looked after'))
      and list_contains($age_bands, age_band)
      and list_contains($sexes, sex)
)

select
    count(*) as episodes,
    count(distinct person_key) as children,
    count(distinct person_key) filter (where is_repeat) as repeat_children,
    count(*) filter (where is_looked_after) as looked_after_episodes,
    count(distinct person_key) filter (where is_looked_after) as looked_after_children,
    count(*) filter (where is_rhi_eligible) as rhi_eligible,
    count(*) filter (where is_rhi_offered_72h) as rhi_offered_72h,
    count(*) filter (where ended_at is not null and rhi_completed) as rhi_completed,
    count(*) filter (where ended_at is not null and rhi_declined) as rhi_declined,
    count(*) filter (where ended_at is not null) as returned,
    median(hours_return_to_offer) filter (where is_rhi_eligible and rhi_offered_at is not null) as median_hours_to_offer
from episodes
""",
    "overview_offences": """
-- Offences involving young people in one period and locality (an offence counts once).
with offences as (
    select o.*, e.locality
    from stg_offences as o
    left join int_events as e on e.event_id = 'offence:' || o.offence_key
    where o.offence_month between $month_from and $month_to
      and o.person_key is not null
      and list_contains($age_bands, o.age_band)
      and list_contains($sexes, o.sex)
),

per_offence as (
    select
        offence_key,
        bool_or(is_serious_violence) as is_serious_violence,
        bool_or(weapon in ('KNIFE', 'FIREARM', 'OTHER')) as has_weapon
    from offences
    where $locality = 'All' or locality = $locality
    group by offence_key
)

select
    count(*) as offences,
    count(*) filter (where is_serious_violence) as serious_violence,
    count(*) filter (where has_weapon) as weapon_offences
from per_offence
""",
    "overview_groups": """
-- Missing episodes and offences involving young people in one period, broken down the
-- ways a change can be explained: looked-after status, locality (and locality by
-- looked-after status), age band and sex. One row per dimension and group.
with episodes as (
    select
        *,
        case when coalesce(is_looked_after, false) then 'Looked after' else 'Not looked after' end as la
    from int_episodes
    where start_month between $month_from and $month_to
      and ($locality = 'All' or locality = $locality)
      and ($looked_after = 'All' or coalesce(is_looked_after, false) = ($looked_after = 'Looked after'))
      and list_contains($age_bands, age_band)
      and list_contains($sexes, sex)
),

offences as (
    select o.offence_key, o.age_band, o.sex, e.locality
    from stg_offences as o
    left join int_events as e on e.event_id = 'offence:' || o.offence_key
    where o.offence_month between $month_from and $month_to
      and o.person_key is not null
      and list_contains($age_bands, o.age_band)
      and list_contains($sexes, o.sex)
),

episode_rows as (
    select 'episodes' as measure, 'looked_after' as dimension, la as grp, count(*) as n from episodes group by all
    union all
    select 'episodes', 'locality', locality, count(*) from episodes group by all
    union all
    select 'episodes', 'locality_la', locality || '|' || la, count(*) from episodes group by all
    union all
    select 'episodes', 'age_band', age_band, count(*) from episodes group by all
    union all
    select 'episodes', 'sex', sex, count(*) from episodes group by all
),

offence_rows as (
    select 'offences' as measure, 'locality' as dimension, locality as grp, count(distinct offence_key) as n
    from offences where $locality = 'All' or locality = $locality group by all
    union all
    select 'offences', 'age_band', age_band, count(distinct offence_key)
    from offences where $locality = 'All' or locality = $locality group by all
    union all
    select 'offences', 'sex', sex, count(distinct offence_key)
    from offences where $locality = 'All' or locality = $locality group by all
)

select * from episode_rows
union all
select * from offence_rows
order by measure, dimension, grp
""",
    "rhi_breakdown": """
-- RHI measures for the period by locality and by looked-after status, with the total,
-- computed from episodes so that medians are true medians.
with episodes as (
    select
        *,
        ended_at is not null and rhi_has_times and rhi_completed_at is not null
            and greatest(date_diff('minute', ended_at, rhi_completed_at), 0) <= 72 * 60 as is_rhi_completed_72h,
        coalesce(is_looked_after, false) as la
    from int_episodes
    where start_month between $month_from and $month_to
      and ($locality = 'All' or locality = $locality)
      and ($looked_after = 'All' or coalesce(is_looked_after, false) = ($looked_after = 'Looked after'))
      and list_contains($age_bands, age_band)
      and list_contains($sexes, sex)
)

select
    case when grouping(locality) = 0 then 'locality'
         when grouping(la) = 0 then 'looked_after' else 'total' end as dimension,
    case when grouping(locality) = 0 then locality
         when grouping(la) = 0 then (case when la then 'Looked after' else 'Not looked after' end)
         else 'All' end as grp,
    count(*) as episodes,
    count(*) filter (where ended_at is not null) as returned,
    count(*) filter (where is_rhi_eligible) as eligible,
    count(*) filter (where is_rhi_offered_72h) as offered_72h,
    count(*) filter (where is_rhi_completed_72h) as completed_72h,
    count(*) filter (where ended_at is not null and rhi_completed) as completed,
    count(*) filter (where ended_at is not null and rhi_declined) as declined,
    count(*) filter (where rhi_offered_before_return) as offered_before_return,
    count(*) filter (where is_rhi_eligible and rhi_offered_at is not null) as timed_offers,
    median(hours_return_to_offer) filter (where is_rhi_eligible and rhi_offered_at is not null) as median_hours_to_offer
from episodes
group by grouping sets ((locality), (la), ())
order by dimension, grp
""",
    "rhi_reasons": """
-- Episodes of the period by RHI status: why an episode did not get an offer within 72 hours.
select rhi_status, count(*) as episodes
from int_episodes
where start_month between $month_from and $month_to
  and ($locality = 'All' or locality = $locality)
  and ($looked_after = 'All' or coalesce(is_looked_after, false) = ($looked_after = 'Looked after'))
  and list_contains($age_bands, age_band)
  and list_contains($sexes, sex)
group by rhi_status
order by rhi_status
""",
    "trend_episodes": """
-- Missing episodes and RHI measures per month, split by one dimension ($split: none,
-- locality, age_band, sex, looked_after or theme). An episode has every theme its return
-- home interviews recorded, so theme lines can add up to more than the episodes.
with rhi_themes as (
    select episode_key, list_distinct(flatten(list(themes))) as themes
    from stg_return_home_interviews
    group by episode_key
),

episodes as (
    select e.*, coalesce(t.themes, []) as themes
    from int_episodes as e
    left join rhi_themes as t using (episode_key)
    where e.start_month between $month_from and $month_to
      and ($locality = 'All' or e.locality = $locality)
      and ($looked_after = 'All' or coalesce(e.is_looked_after, false) = ($looked_after = 'Looked after'))
      and list_contains($age_bands, e.age_band)
      and list_contains($sexes, e.sex)
),

split as (
    select
        *,
        unnest(
            case
                when $split = 'theme' then (case when len(themes) = 0 then ['No theme recorded'] else themes end)
                else [case $split
                    when 'locality' then locality
                    when 'age_band' then age_band
                    when 'sex' then sex
                    when 'looked_after' then (case when is_looked_after then 'Looked after' else 'Not looked after' end)
                    else 'All'
                end]
            end
        ) as split_value
    from episodes
)

select
    start_month as month,
    split_value,
    count(*) as episodes,
    count(distinct person_key) as children,
    count(*) filter (where is_looked_after) as looked_after_episodes,
    count(*) filter (where is_rhi_eligible) as rhi_eligible,
    count(*) filter (where is_rhi_offered_72h) as rhi_offered_72h,
    count(*) filter (where ended_at is not null) as returned,
    count(*) filter (where ended_at is not null and rhi_completed) as rhi_completed
from split
group by all
order by month, split_value
""",
    "trend_offences": """
-- Offences involving young people per month (an offence counts once per line), split by
-- one dimension ($split: none, locality, age_band, sex or offence_group).
with offences as (
    select o.*, e.locality
    from stg_offences as o
    left join int_events as e on e.event_id = 'offence:' || o.offence_key
    where o.offence_month between $month_from and $month_to
      and o.person_key is not null
      and list_contains($age_bands, o.age_band)
      and list_contains($sexes, o.sex)
),

split as (
    select
        *,
        case $split
            when 'locality' then locality
            when 'age_band' then age_band
            when 'sex' then sex
            when 'offence_group' then coalesce(offence_group, 'Unknown')
            else 'All'
        end as split_value
    from offences
    where $locality = 'All' or locality = $locality
)

select
    offence_month as month,
    split_value,
    count(distinct offence_key) as offences,
    count(distinct offence_key) filter (where is_serious_violence) as serious_violence,
    count(distinct offence_key) filter (where weapon in ('KNIFE', 'FIREARM', 'OTHER')) as weapon_offences
from split
group by all
order by month, split_value
""",
}

SPLITS = {
    "trend_episodes": ["none", "locality", "age_band", "sex", "looked_after", "theme"],
    "trend_offences": ["none", "locality", "age_band", "sex", "offence_group"],
}


def _filters(con) -> list[Filters]:
    """A handful of filter combinations: periods, a locality, narrowed breakdowns, no data."""
    last = con.execute("select max(start_month) from int_episodes").fetchall()[0][0]
    locality = con.execute(
        "select locality from int_episodes group by 1 order by count(*) desc, 1 limit 1").fetchall()[0][0]
    base = Filters(last, data_end=last)
    return [
        base,
        replace(base, period="year"),
        replace(base, period="quarter", locality=locality),
        replace(base, period="year", locality=locality, age_bands=("14-15", "16-17"), sexes=("F",)),
        replace(base, period="year", looked_after="Looked after", age_bands=("10-13", "14-15")),
        replace(base, period="quarter", looked_after="Not looked after", sexes=("M", "U")),
        replace(base, period="year", age_bands=("18+",), sexes=("X",)),
        replace(base, month=last.replace(year=last.year - 30)),
    ]


def _reference(con, name: str, params: dict) -> pd.DataFrame:
    sql = REFERENCE[name]
    wanted = set(queries._PARAM.findall(sql))
    return con.execute(sql, {k: params[k] for k in wanted}).df()


def _cases(con, name):
    for f in _filters(con):
        for split in SPLITS.get(name, [None]):
            yield f, {**f.params(), "split": split}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_mart_query_equals_the_event_level_sql(sample_con, name):
    checked = 0
    for f, params in _cases(sample_con, name):
        got = queries.run(sample_con, name, exact=True, **params)
        want = _reference(sample_con, name, params)
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f"{name} {f} split={params['split']}")
        checked += len(want)
    assert checked > 0, "the filters found no data to compare"


def test_offence_month_locality_and_group_belong_to_the_offence(sample_con):
    """mart_offence_cells counts each offence in one cell: its lines must agree on these."""
    split = sample_con.execute("""
        select count(*) from (
            select offence_key
            from stg_offences as o
            left join geo_lsoa as l using (lsoa_code)
            where o.person_key is not null
            group by offence_key
            having count(distinct (o.offence_month, coalesce(l.locality, 'Unknown'), coalesce(o.offence_group, 'Unknown'))) > 1
        )
    """).fetchall()[0][0]
    assert split == 0


def test_every_offence_is_in_one_cell(sample_con):
    cells, offences = sample_con.execute("""
        select (select sum(offences) from mart_offence_cells),
               (select count(distinct offence_key) from stg_offences where person_key is not null)
    """).fetchall()[0]
    assert cells == offences


def test_an_offence_with_two_young_people_counts_once_per_line_they_are_on():
    """Hand-made: one offence, a 14-15 girl (serious violence line) and a 16-17 boy (weapon line)."""
    con = mini_db(offences=[
        {"offence_key": "o1", "person_key": "p1", "age_band": "14-15", "sex": "F", "is_serious_violence": True},
        {"offence_key": "o1", "person_key": "p2", "age_band": "16-17", "sex": "M", "weapon": "KNIFE"},
    ])
    try:
        params = {**Filters(date(2025, 3, 1)).params(), "split": "age_band"}
        by_band = queries.run(con, "trend_offences", exact=True, **params).set_index("split_value")
        assert by_band.loc["14-15", ["offences", "serious_violence", "weapon_offences"]].tolist() == [1, 1, 0]
        assert by_band.loc["16-17", ["offences", "serious_violence", "weapon_offences"]].tolist() == [1, 0, 1]
        girls = {**params, "sexes": ["F"]}
        headline = queries.run(con, "overview_offences", exact=True, **girls).iloc[0]
        assert headline[["offences", "serious_violence", "weapon_offences"]].tolist() == [1, 1, 0]
        everyone = queries.run(con, "overview_offences", exact=True, **params).iloc[0]
        assert everyone[["offences", "serious_violence", "weapon_offences"]].tolist() == [1, 1, 1]
        for name in ("trend_offences", "overview_offences", "overview_groups"):
            for p in (params, girls):
                pd.testing.assert_frame_equal(queries.run(con, name, exact=True, **p), _reference(con, name, p), check_exact=True)
    finally:
        con.close()
