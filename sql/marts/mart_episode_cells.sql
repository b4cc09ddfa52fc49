-- Missing episodes and their RHI measures counted once at the finest grain the pages
-- filter and split by (month, locality, age band, sex, looked-after status, RHI status):
-- every count is a sum over cells, so the pages never scan the episodes.
with episodes as (
    select * from int_episodes
),

final as (
    select
        start_month as month,
        -- Whose records (the council's key): a council scope counts only its own.
        owner_code,
        locality,
        age_band,
        sex,
        coalesce(is_looked_after, false) as is_looked_after,
        rhi_status,
        count(*) as episodes,
        count(*) filter (where ended_at is not null) as returned,
        count(*) filter (where is_rhi_eligible) as rhi_eligible,
        count(*) filter (where is_rhi_offered_72h) as rhi_offered_72h,
        count(*) filter (where is_rhi_completed_72h) as rhi_completed_72h,
        count(*) filter (where ended_at is not null and rhi_completed) as rhi_completed,
        count(*) filter (where ended_at is not null and rhi_declined) as rhi_declined,
        count(*) filter (where rhi_offered_before_return) as offered_before_return,
        count(*) filter (where is_rhi_eligible and rhi_offered_at is not null) as timed_offers,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(episode_rkey) as episodes_ckey,
        coalesce(sum(episode_rkey) filter (where ended_at is not null), 0) as returned_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_eligible), 0) as rhi_eligible_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_offered_72h), 0) as rhi_offered_72h_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_completed_72h), 0) as rhi_completed_72h_ckey,
        coalesce(sum(episode_rkey) filter (where ended_at is not null and rhi_completed), 0) as rhi_completed_ckey,
        coalesce(sum(episode_rkey) filter (where ended_at is not null and rhi_declined), 0) as rhi_declined_ckey,
        coalesce(sum(episode_rkey) filter (where rhi_offered_before_return), 0) as offered_before_return_ckey,
        coalesce(sum(episode_rkey) filter (where is_rhi_eligible and rhi_offered_at is not null), 0)
            as timed_offers_ckey
    from episodes
    group by all
)

select * from final order by all
