-- Headline missing and RHI figures for one period and locality, from the episode marts:
-- counts are sums of cells, children are distinct over child-months, and the median time
-- to offer is taken over every counted offer (mart_episode_offer_hours).
with cells as (
    select *
    from mart_episode_cells
    where month between $month_from and $month_to
      and ($locality = 'All' or locality = $locality)
      and ($looked_after = 'All' or is_looked_after = ($looked_after = 'Looked after'))
      and list_contains($age_bands, age_band)
      and list_contains($sexes, sex)
),

children as (
    select
        count(distinct person_key) as children,
        count(distinct person_key) filter (where is_repeat) as repeat_children,
        count(distinct person_key) filter (where is_looked_after) as looked_after_children
    from mart_episode_children
    where month between $month_from and $month_to
      and ($locality = 'All' or locality = $locality)
      and ($looked_after = 'All' or is_looked_after = ($looked_after = 'Looked after'))
      and list_contains($age_bands, age_band)
      and list_contains($sexes, sex)
),

median as (
    -- Each distinct hours value repeated by its count, so median() sees every offer.
    select median(hours_return_to_offer) as median_hours_to_offer
    from (
        select hours_return_to_offer, unnest(range(offers))
        from mart_episode_offer_hours
        where month between $month_from and $month_to
          and ($locality = 'All' or locality = $locality)
          and ($looked_after = 'All' or is_looked_after = ($looked_after = 'Looked after'))
          and list_contains($age_bands, age_band)
          and list_contains($sexes, sex)
    )
),

totals as (
    select
        coalesce(sum(episodes), 0)::bigint as episodes,
        coalesce(sum(episodes) filter (where is_looked_after), 0)::bigint as looked_after_episodes,
        coalesce(sum(rhi_eligible), 0)::bigint as rhi_eligible,
        coalesce(sum(rhi_offered_72h), 0)::bigint as rhi_offered_72h,
        coalesce(sum(rhi_completed), 0)::bigint as rhi_completed,
        coalesce(sum(rhi_declined), 0)::bigint as rhi_declined,
        coalesce(sum(returned), 0)::bigint as returned
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
    m.median_hours_to_offer
from totals as t, children as c, median as m
