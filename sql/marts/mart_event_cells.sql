-- Events by month, source, locality, the other filters and the event's RHI themes: the
-- events trend and its splits (theme included) roll these up instead of reading events.
with events as (
    select * from int_events
),

final as (
    select
        event_month,
        event_source,
        locality,
        age_band,
        sex,
        -- Unknown counts as not looked after, as the filters and the split count it.
        coalesce(is_looked_after, false) as is_looked_after,
        themes,
        count(*) as events,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(event_rkey) as events_ckey
    from events
    group by all
)

select * from final order by all
