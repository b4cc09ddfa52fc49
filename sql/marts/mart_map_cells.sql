-- Located events on the heat map's grid of 0.002 degrees (about 220 m by 130 m), by month,
-- source and the filters: the map shows cells, never single points, so no finer position
-- of an event reaches the dashboard. lat and lon are the cell's centre.
with events as (
    select * from int_events where lat is not null and lon is not null
),

final as (
    select
        event_month,
        event_source,
        -- Whose records, and the LSOA: a council scope counts its own children's events and
        -- the offences in LSOAs in or bordering it.
        owner_code,
        lsoa_code,
        locality,
        age_band,
        sex,
        -- Unknown counts as not looked after, as the filters count it (cm_counted).
        coalesce(is_looked_after, false) as is_looked_after,
        round(lat / 0.002) * 0.002 as lat,
        round(lon / 0.002) * 0.002 as lon,
        count(*) as events,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(event_rkey) as events_ckey
    from events
    group by all
)

select * from final order by all
