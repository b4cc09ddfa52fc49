-- RHI measures for the period by locality and by looked-after status, with the total,
-- summed from mart_episode_cells; medians are true medians, taken over every counted
-- hours to offer in mart_episode_offer_hours.
with cells as (
    select
        *,
        (case when is_looked_after then 'Looked after' when not is_looked_after then 'Not looked after'
            else 'Not recorded' end) as looked_after
    from mart_episode_cells
    where month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
),

counts as (
    select
        case when grouping(locality) = 0 then 'locality'
             when grouping(looked_after) = 0 then 'looked_after' else 'total' end as dimension,
        case when grouping(locality) = 0 then locality
             when grouping(looked_after) = 0 then looked_after else 'All' end as grp,
        coalesce(sum(episodes), 0)::bigint as episodes,
        coalesce(sum(returned), 0)::bigint as returned,
        coalesce(sum(rhi_eligible), 0)::bigint as eligible,
        coalesce(sum(rhi_offered_72h), 0)::bigint as offered_72h,
        coalesce(sum(rhi_completed_72h), 0)::bigint as completed_72h,
        coalesce(sum(rhi_completed), 0)::bigint as completed,
        coalesce(sum(rhi_declined), 0)::bigint as declined,
        coalesce(sum(offered_before_return), 0)::bigint as offered_before_return,
        coalesce(sum(timed_offers), 0)::bigint as timed_offers,
        coalesce(sum(episodes_ckey), 0)::bigint as episodes_ckey,
        coalesce(sum(returned_ckey), 0)::bigint as returned_ckey,
        coalesce(sum(rhi_eligible_ckey), 0)::bigint as eligible_ckey,
        coalesce(sum(rhi_offered_72h_ckey), 0)::bigint as offered_72h_ckey,
        coalesce(sum(rhi_completed_72h_ckey), 0)::bigint as completed_72h_ckey,
        coalesce(sum(rhi_completed_ckey), 0)::bigint as completed_ckey,
        coalesce(sum(rhi_declined_ckey), 0)::bigint as declined_ckey,
        coalesce(sum(offered_before_return_ckey), 0)::bigint as offered_before_return_ckey,
        coalesce(sum(timed_offers_ckey), 0)::bigint as timed_offers_ckey
    from cells
    group by grouping sets ((locality), (looked_after), ())
),

offers as (
    select
        *,
        (case when is_looked_after then 'Looked after' when not is_looked_after then 'Not looked after'
            else 'Not recorded' end) as looked_after
    from mart_episode_offer_hours
    where month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
),

-- Each distinct hours value repeated by its count, so median() sees every offer.
medians as (
    select
        case when grouping(locality) = 0 then 'locality'
             when grouping(looked_after) = 0 then 'looked_after' else 'total' end as dimension,
        case when grouping(locality) = 0 then locality
             when grouping(looked_after) = 0 then looked_after else 'All' end as grp,
        median(hours_return_to_offer) as median_hours_to_offer
    from (select locality, looked_after, hours_return_to_offer, unnest(range(offers)) from offers) as repeated
    group by grouping sets ((locality), (looked_after), ())
)

select c.*, m.median_hours_to_offer
from counts as c
left join medians as m using (dimension, grp)
order by c.dimension, c.grp
