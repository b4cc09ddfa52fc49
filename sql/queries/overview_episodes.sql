-- Headline missing and RHI figures for one period and locality, from the episode marts:
-- counts are sums of cells, children are distinct over child-months, and the median time
-- to offer is taken over every counted offer (mart_episode_offer_hours).
with cells as (
    select *
    from mart_episode_cells
    where month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
),

-- One row per child: distinct children cannot be summed across cells. A child counts as
-- repeat or looked after when any of their cells says so (as count(distinct) filter would).
children_in as (
    select person_key, any_value(person_rkey) as person_rkey, bool_or(is_repeat) as is_repeat,
           bool_or(is_looked_after) as is_looked_after
    from mart_episode_children
    where month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
    group by person_key
),

children as (
    select
        count(*) as children,
        count(*) filter (where is_repeat) as repeat_children,
        count(*) filter (where is_looked_after) as looked_after_children,
        coalesce(sum(person_rkey), 0) as children_ckey,
        coalesce(sum(person_rkey) filter (where is_repeat), 0) as repeat_children_ckey,
        coalesce(sum(person_rkey) filter (where is_looked_after), 0) as looked_after_children_ckey
    from children_in
),

median as (
    -- Each distinct hours value repeated by its count, so median() sees every offer.
    select median(hours_return_to_offer) as median_hours_to_offer
    from (
        select hours_return_to_offer, unnest(range(offers))
        from mart_episode_offer_hours
        where month between $month_from and $month_to
          and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
    ) as repeated
),

totals as (
    select
        coalesce(sum(episodes), 0)::bigint as episodes,
        coalesce(sum(episodes) filter (where is_looked_after), 0)::bigint as looked_after_episodes,
        coalesce(sum(rhi_eligible), 0)::bigint as rhi_eligible,
        coalesce(sum(rhi_offered_72h), 0)::bigint as rhi_offered_72h,
        coalesce(sum(rhi_completed), 0)::bigint as rhi_completed,
        coalesce(sum(rhi_declined), 0)::bigint as rhi_declined,
        coalesce(sum(returned), 0)::bigint as returned,
        coalesce(sum(episodes_ckey), 0)::bigint as episodes_ckey,
        coalesce(sum(episodes_ckey) filter (where is_looked_after), 0)::bigint as looked_after_episodes_ckey,
        coalesce(sum(rhi_eligible_ckey), 0)::bigint as rhi_eligible_ckey,
        coalesce(sum(rhi_offered_72h_ckey), 0)::bigint as rhi_offered_72h_ckey,
        coalesce(sum(rhi_completed_ckey), 0)::bigint as rhi_completed_ckey,
        coalesce(sum(rhi_declined_ckey), 0)::bigint as rhi_declined_ckey,
        coalesce(sum(returned_ckey), 0)::bigint as returned_ckey
    from cells
)

select
    t.episodes,
    c.children,
    c.repeat_children,
    t.looked_after_episodes,
    c.looked_after_children,
    t.rhi_eligible,
    t.rhi_offered_72h,
    t.rhi_completed,
    t.rhi_declined,
    t.returned,
    m.median_hours_to_offer,
    t.* like '%\_ckey' escape '\',
    c.* like '%\_ckey' escape '\'
from totals as t, children as c, median as m
