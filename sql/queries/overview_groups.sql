-- Missing episodes and offences involving young people in one period, broken down the
-- ways a change can be explained: looked-after status, locality (and locality by
-- looked-after status), age band and sex. One row per dimension and group. Summed from
-- mart_episode_cells and mart_offence_cells; an offence counts once per group it involves.
with episodes as (
    select
        *,
        case when is_looked_after then 'Looked after' when not is_looked_after then 'Not looked after'
            else 'Not recorded' end as la
    from mart_episode_cells
    where month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
),

wanted as (
    select flatten(list_transform($age_bands, lambda a: list_transform($sexes, lambda s: a || '|' || s))) as people
),

offences as (
    select
        c.locality, c.offences, c.offences_ckey,
        list_filter(c.people, lambda p: list_contains(w.people, p)) as people
    from mart_offence_cells as c, wanted as w
    where c.month between $month_from and $month_to
      and ($locality = 'All' or c.locality = $locality)
      and list_has_any(c.people, w.people)
      and cm_in_scope(c.council_code, $scope)
),

episode_rows as (
    select 'episodes' as measure, 'looked_after' as dimension, la as grp, sum(episodes) as n,
           sum(episodes_ckey) as n_ckey
    from episodes group by all
    union all
    select 'episodes', 'locality', locality, sum(episodes), sum(episodes_ckey) from episodes group by all
    union all
    select 'episodes', 'locality_la', locality || '|' || la, sum(episodes), sum(episodes_ckey)
    from episodes group by all
    union all
    select 'episodes', 'age_band', age_band, sum(episodes), sum(episodes_ckey) from episodes group by all
    union all
    select 'episodes', 'sex', sex, sum(episodes), sum(episodes_ckey) from episodes group by all
),

offence_rows as (
    select 'offences' as measure, 'locality' as dimension, locality as grp, sum(offences) as n,
           sum(offences_ckey) as n_ckey
    from offences group by all
    union all
    select 'offences', 'age_band', grp, sum(offences), sum(offences_ckey)
    from (select offences, offences_ckey,
                 unnest(list_distinct(list_transform(people, lambda p: split_part(p, '|', 1)))) as grp
          from offences) as by_age
    group by all
    union all
    select 'offences', 'sex', grp, sum(offences), sum(offences_ckey)
    from (select offences, offences_ckey,
                 unnest(list_distinct(list_transform(people, lambda p: split_part(p, '|', 2)))) as grp
          from offences) as by_sex
    group by all
)

select measure, dimension, grp, n::bigint as n, n_ckey::bigint as n_ckey from episode_rows
union all
select measure, dimension, grp, n::bigint, n_ckey::bigint from offence_rows
order by measure, dimension, grp
