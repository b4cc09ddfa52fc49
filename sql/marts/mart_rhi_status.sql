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
        count(*) as episodes
    from episodes
    group by all
)

select * from final order by all
