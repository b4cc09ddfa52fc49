-- The headline counts of the cards and Trends for every month, quarter and year (up to
-- $up_to) from $month_from to $month_to, and every node of the sidebar's breakdowns: each
-- council, locality, looked-after status, age band and sex alone, or all of them ('All').
-- A reader can set any of these side by side, so the cards' guard
-- (contextmap.card_cells) reads them all at once. Each count is the one overview_episodes
-- and overview_offences give the same filters (tests/test_card_cells.py); a record with no
-- value of a breakdown counts under '(none)', which no filter shows alone.
with periods as (
    select unnest(['month', 'quarter', 'year'][1:(case $up_to when 'month' then 1 when 'quarter' then 2 else 3 end)])
        as period
),

-- Years start in month $year_start (contextmap.filters.YEAR_START).
episode_cells as (
    select
        p.period,
        case p.period
            when 'month' then c.month
            when 'quarter' then date_trunc('quarter', c.month)::date
            else make_date(year(c.month) - (month(c.month) < $year_start)::int, $year_start, 1)
        end as start,
        coalesce(c.owner_code, '(none)') as owner,
        coalesce(c.locality, '(none)') as locality,
        case when coalesce(c.is_looked_after, false) then 'Looked after' else 'Not looked after' end as looked_after,
        coalesce(c.age_band, '(none)') as age_band,
        coalesce(c.sex, '(none)') as sex,
        c.episodes,
        c.episodes_ckey
    from mart_episode_cells as c, periods as p
    where c.month between $month_from and $month_to
      and cm_in_scope(c.owner_code, $scope)
),

-- A rolled-up breakdown is null in a cube: 'All'.
episodes as (
    select
        period,
        start,
        coalesce(owner, 'All') as owner,
        coalesce(locality, 'All') as locality,
        coalesce(looked_after, 'All') as looked_after,
        coalesce(age_band, 'All') as age_band,
        coalesce(sex, 'All') as sex,
        sum(episodes)::bigint as episodes,
        sum(episodes_ckey)::bigint as episodes_ckey
    from episode_cells
    group by period, start, cube (owner, locality, looked_after, age_band, sex)
),

child_cells as (
    select
        p.period,
        case p.period
            when 'month' then c.month
            when 'quarter' then date_trunc('quarter', c.month)::date
            else make_date(year(c.month) - (month(c.month) < $year_start)::int, $year_start, 1)
        end as start,
        coalesce(c.owner_code, '(none)') as owner,
        coalesce(c.locality, '(none)') as locality,
        case when c.is_looked_after then 'Looked after' else 'Not looked after' end as looked_after,
        coalesce(c.age_band, '(none)') as age_band,
        coalesce(c.sex, '(none)') as sex,
        c.person_key,
        c.person_rkey,
        c.is_repeat
    from mart_episode_children as c, periods as p
    where c.month between $month_from and $month_to
      and cm_in_scope(c.owner_code, $scope)
),

-- One row per child and node: a child is repeat when any of their cells in the node says
-- so, as overview_episodes decides it.
child_nodes as (
    select
        period,
        start,
        coalesce(owner, 'All') as owner,
        coalesce(locality, 'All') as locality,
        coalesce(looked_after, 'All') as looked_after,
        coalesce(age_band, 'All') as age_band,
        coalesce(sex, 'All') as sex,
        any_value(person_rkey) as person_rkey,
        bool_or(is_repeat) as is_repeat
    from child_cells
    group by period, start, person_key, cube (owner, locality, looked_after, age_band, sex)
),

children as (
    select
        period,
        start,
        owner,
        locality,
        looked_after,
        age_band,
        sex,
        count(*) as children,
        count(*) filter (where is_repeat) as repeat_children,
        sum(person_rkey)::bigint as children_ckey,
        coalesce(sum(person_rkey) filter (where is_repeat), 0)::bigint as repeat_children_ckey
    from child_nodes
    group by all
),

-- An offence counts under a node when any young person it involved is in the node's age
-- band and sex (as overview_offences counts it), so it is taken once per person here and
-- once per node below. Offences have no looked-after status: every status counts them all.
offence_cells as (
    select row_number() over () as cell, *
    from mart_offence_cells
    where month between $month_from and $month_to
      and cm_in_scope(council_code, $scope)
),

offence_people as (
    select
        o.cell,
        p.period,
        case p.period
            when 'month' then o.month
            when 'quarter' then date_trunc('quarter', o.month)::date
            else make_date(year(o.month) - (month(o.month) < $year_start)::int, $year_start, 1)
        end as start,
        coalesce(o.council_code, '(none)') as owner,
        coalesce(o.locality, '(none)') as locality,
        split_part(u.person, '|', 1) as age_band,
        split_part(u.person, '|', 2) as sex,
        list_contains(o.serious_violence_people, u.person) as serious_violence,
        list_contains(o.weapon_people, u.person) as weapon,
        o.offences,
        o.offences_ckey
    from offence_cells as o, periods as p, unnest(o.people) as u (person)
),

offence_nodes as (
    select
        period,
        start,
        coalesce(owner, 'All') as owner,
        coalesce(locality, 'All') as locality,
        coalesce(age_band, 'All') as age_band,
        coalesce(sex, 'All') as sex,
        any_value(offences) as offences,
        any_value(offences_ckey) as offences_ckey,
        bool_or(serious_violence) as serious_violence,
        bool_or(weapon) as weapon
    from offence_people
    group by period, start, cell, cube (owner, locality, age_band, sex)
),

offences as (
    select
        o.period,
        o.start,
        o.owner,
        o.locality,
        s.looked_after,
        o.age_band,
        o.sex,
        sum(o.offences)::bigint as offences,
        coalesce(sum(o.offences) filter (where o.serious_violence), 0)::bigint as serious_violence,
        coalesce(sum(o.offences) filter (where o.weapon), 0)::bigint as weapon_offences,
        sum(o.offences_ckey)::bigint as offences_ckey,
        coalesce(sum(o.offences_ckey) filter (where o.serious_violence), 0)::bigint as serious_violence_ckey,
        coalesce(sum(o.offences_ckey) filter (where o.weapon), 0)::bigint as weapon_offences_ckey
    from offence_nodes as o,
        (values ('All'), ('Looked after'), ('Not looked after')) as s (looked_after)
    group by all
)

select
    period,
    start,
    owner,
    locality,
    looked_after,
    age_band,
    sex,
    coalesce(e.episodes, 0) as episodes,
    coalesce(c.children, 0) as children,
    coalesce(c.repeat_children, 0) as repeat_children,
    coalesce(o.offences, 0) as offences,
    coalesce(o.serious_violence, 0) as serious_violence,
    coalesce(o.weapon_offences, 0) as weapon_offences,
    coalesce(e.episodes_ckey, 0) as episodes_ckey,
    coalesce(c.children_ckey, 0) as children_ckey,
    coalesce(c.repeat_children_ckey, 0) as repeat_children_ckey,
    coalesce(o.offences_ckey, 0) as offences_ckey,
    coalesce(o.serious_violence_ckey, 0) as serious_violence_ckey,
    coalesce(o.weapon_offences_ckey, 0) as weapon_offences_ckey
from episodes as e
full join children as c using (period, start, owner, locality, looked_after, age_band, sex)
full join offences as o using (period, start, owner, locality, looked_after, age_band, sex)
order by all
