-- Episodes by RHI status (including why no timely offer was made), month, locality and
-- looked-after status.
with episodes as (
    select * from int_episodes
),

final as (
    select
        start_month as month,
        locality,
        coalesce(is_looked_after, false) as is_looked_after,
        rhi_status,
        count(*) as episodes,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(episode_rkey) as episodes_ckey
    from episodes
    group by all
)

select * from final order by all
