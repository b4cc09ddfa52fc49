-- Events by month and source at every unit a disruption action can target or be compared
-- with: places, wards, LSOAs and postcode sectors (with their cell keys).
with events as (
    select * from int_events
),

final as (
    select 'place' as level, place_id as code, event_month, event_source, count(*) as events,
           sum(event_rkey) as events_ckey
    from events where place_id is not null group by all
    union all
    select 'ward', ward_code, event_month, event_source, count(*), sum(event_rkey)
    from events where ward_code is not null group by all
    union all
    select 'lsoa', lsoa_code, event_month, event_source, count(*), sum(event_rkey)
    from events where lsoa_code is not null group by all
    union all
    select 'sector', sector, event_month, event_source, count(*), sum(event_rkey)
    from events where sector is not null group by all
)

select * from final order by all
