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
    count(distinct person_key) filter (where episodes_in_90d >= 3) as repeat_children,
    count(*) filter (where is_looked_after) as looked_after_episodes,
    count(distinct person_key) filter (where is_looked_after) as looked_after_children,
    count(*) filter (where is_rhi_eligible) as rhi_eligible,
    count(*) filter (where is_rhi_offered_72h) as rhi_offered_72h,
    count(*) filter (where ended_at is not null and rhi_completed) as rhi_completed,
    count(*) filter (where ended_at is not null and rhi_declined) as rhi_declined,
    count(*) filter (where ended_at is not null) as returned,
    median(hours_return_to_offer) filter (where is_rhi_eligible and rhi_offered_at is not null) as median_hours_to_offer
from episodes
