-- Events linked to each place of concern by month, source, the filters the place pages
-- apply (age band, sex, looked-after status) and the event's RHI themes: the places table,
-- the place profile and the area profile's places roll these up instead of reading events.
-- A place is filtered by its own locality (int_places), so the event's is not needed.
with events as (
    select * from int_events where place_id is not null
),

final as (
    select
        place_id,
        event_month,
        event_source,
        -- Whose records (int_events): a council scope counts its own, and the force's
        -- offences at the places a council scope sees.
        owner_code,
        age_band,
        sex,
        -- Unknown counts as not looked after, as the filters count it (cm_counted).
        coalesce(is_looked_after, false) as is_looked_after,
        themes,
        count(*) as events,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(event_rkey) as events_ckey
    from events
    group by all
)

select * from final order by all
