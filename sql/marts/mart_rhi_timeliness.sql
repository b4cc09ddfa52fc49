-- Return home interview measures by month, locality and looked-after status, with
-- 'All' roll-ups, so medians are computed over the right episodes, never averaged.
with episodes as (
    select * from int_episodes
),

final as (
    select
        start_month as month,
        coalesce(locality, 'All') as locality,
        case when grouping(is_looked_after) = 1 then 'All'
             when is_looked_after then 'Looked after' else 'Not looked after' end as looked_after,
        count(*) as episodes,
        count(*) filter (where is_rhi_eligible) as eligible,
        count(*) filter (where is_rhi_offered_72h) as offered_72h,
        count(*) filter (where ended_at is not null and rhi_offered) as offered,
        count(*) filter (where ended_at is not null and rhi_completed) as completed,
        count(*) filter (where ended_at is not null and rhi_declined) as declined,
        count(*) filter (where rhi_offered_before_return) as offered_before_return,
        median(hours_return_to_offer) filter (where is_rhi_eligible) as median_hours_to_offer
    from episodes
    group by grouping sets (
        (start_month, locality, is_looked_after), (start_month, locality),
        (start_month, is_looked_after), (start_month)
    )
)

select * from final order by all
