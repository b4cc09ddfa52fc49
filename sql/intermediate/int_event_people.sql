-- One row per event and person involved (offences can involve several young people).
with events as (
    select event_id, person_key from int_events where event_source <> 'offence' and person_key is not null
),

offence_people as (
    select distinct 'offence:' || offence_key as event_id, person_key
    from stg_offences
    where person_key is not null
),

final as (
    select *, cm_rkey(person_key) as person_rkey from events
    union all
    select *, cm_rkey(person_key) from offence_people
)

select * from final order by event_id, person_key
