-- Events by month, LSOA, source, data owner and the filter dimensions: the finest grain the map,
-- trends and area pages need, so every page query is a roll-up of this small table.
with events as (
    select * from int_events
),

final as (
    select
        event_month,
        coalesce(lsoa_code, 'Unknown') as lsoa_code,
        coalesce(ward_code, 'Unknown') as ward_code,
        locality,
        event_source,
        -- Whose records: the episode's owner (missing and RHI events), or the offence file's;
        -- a council scope counts its own, and offences only in LSOAs in or next to it.
        owner_code,
        age_band,
        sex,
        coalesce(is_looked_after, false) as is_looked_after,
        count(*) as events,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(event_rkey) as events_ckey
    from events
    group by all
)

select * from final order by all
