-- Return home interview measures by month, data owner, locality and looked-after status,
-- with 'All' roll-ups, so medians are computed over the right episodes, never averaged.
-- Owner 'All' is the whole build; a council scope reads its own owner's rows.
-- An offer recorded before the return counts from the return (int_episodes); episodes
-- still missing and RHIs without times (SSD flags) are outside the 72-hour denominator.
with episodes as (
    select * from int_episodes
),

final as (
    select
        start_month as month,
        case when grouping(owner_code) = 1 then 'All' else owner_code end as owner_code,
        coalesce(locality, 'All') as locality,
        case when grouping(is_looked_after) = 1 then 'All'
             when is_looked_after then 'Looked after'
             when not is_looked_after then 'Not looked after'
             else 'Not recorded' end as looked_after,
        count(*) as episodes,
        count(*) filter (where ended_at is not null) as returned,
        count(*) filter (where is_rhi_eligible) as eligible,
        count(*) filter (where is_rhi_offered_72h) as offered_72h,
        count(*) filter (where is_rhi_completed_72h) as completed_72h,
        count(*) filter (where ended_at is not null and rhi_offered) as offered,
        count(*) filter (where ended_at is not null and rhi_completed) as completed,
        count(*) filter (where ended_at is not null and rhi_declined) as declined,
        count(*) filter (where rhi_offered_before_return) as offered_before_return,
        count(*) filter (where is_rhi_eligible and rhi_offered_at is not null) as timed_offers,
        median(hours_return_to_offer) filter (where is_rhi_eligible and rhi_offered_at is not null)
            as median_hours_to_offer,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(episode_rkey) as episodes_ckey,
        coalesce(sum(episode_rkey) filter (where ended_at is not null), 0) as returned_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_eligible), 0) as eligible_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_offered_72h), 0) as offered_72h_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_completed_72h), 0) as completed_72h_ckey,
        coalesce(sum(episode_rkey) filter (where ended_at is not null and rhi_offered), 0) as offered_ckey,
        coalesce(sum(episode_rkey) filter (where ended_at is not null and rhi_completed), 0) as completed_ckey,
        coalesce(sum(episode_rkey) filter (where ended_at is not null and rhi_declined), 0) as declined_ckey,
        coalesce(sum(episode_rkey) filter (where rhi_offered_before_return), 0) as offered_before_return_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_eligible and rhi_offered_at is not null), 0)
            as timed_offers_ckey
    from episodes
    group by grouping sets (
        (start_month, locality, is_looked_after), (start_month, locality),
        (start_month, is_looked_after), (start_month),
        (start_month, owner_code, locality, is_looked_after), (start_month, owner_code, locality),
        (start_month, owner_code, is_looked_after), (start_month, owner_code)
    )
)

select * from final order by all
