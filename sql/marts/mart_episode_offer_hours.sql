-- Hours from return to RHI offer, as a count per distinct value and cell, so a median
-- over any filter is exact (taken over the value counts, never an average of medians).
-- Only eligible episodes with an offer time: the episodes the median is defined over.
with episodes as (
    select * from int_episodes
    where is_rhi_eligible and rhi_offered_at is not null
),

final as (
    select
        start_month as month,
        owner_code,
        locality,
        age_band,
        sex,
        coalesce(is_looked_after, false) as is_looked_after,
        hours_return_to_offer,
        count(*) as offers
    from episodes
    group by all
)

select * from final order by all
