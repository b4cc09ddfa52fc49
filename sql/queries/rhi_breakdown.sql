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
