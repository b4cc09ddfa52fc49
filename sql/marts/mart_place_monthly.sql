-- Events linked to each place of concern, by month and source.
with events as (
    select * from int_events where place_id is not null
),

final as (
    select place_id, event_month, event_source, count(*) as events, sum(event_rkey) as events_ckey
    from events
    group by all
)

select * from final order by all
