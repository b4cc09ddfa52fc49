-- Events by postcode district or sector, month, source, whose records they are and the
-- LSOA they are in: what a council scope's Postcodes page rolls up (its own children's
-- events anywhere, the force's offences in LSOAs in or bordering the council). The force
-- reads mart_postcode_hotspots, which counts the same events.
with events as (
    select event_source, event_month, event_rkey, owner_code, lsoa_code, sector, district
    from int_events
),

units as (
    select 'sector' as level, sector as code, * exclude (sector, district) from events
    where sector is not null and sector <> ''
    union all
    select 'district', district, * exclude (sector, district) from events
    where district is not null and district <> ''
),

final as (
    select
        level,
        code,
        event_month,
        event_source,
        -- Whose records (int_events): a council's own, or the force's offences.
        owner_code,
        -- Part of the grain, so never null: an event in no known LSOA is in no council's reach.
        coalesce(lsoa_code, 'Unknown') as lsoa_code,
        count(*) as events,
        -- Cell keys: each count's sum of record keys (contextmap/cellkey.py).
        sum(event_rkey) as events_ckey
    from units
    group by all
)

select * from final order by all
