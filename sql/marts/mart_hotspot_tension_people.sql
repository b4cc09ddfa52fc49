-- One row per offence and young person involved whose home postcode district is known:
-- the detail behind the postcode tension matrix, rolled up for any period by the queries.
with offences as (
    select event_id, event_rkey, district, event_month, offence_group, is_serious_violence, owner_code
    from int_events
    where event_source = 'offence' and district is not null and district <> ''
),

people as (
    select * from int_event_people
),

homes as (
    select person_key, home_district, age_band, sex
    from int_people
    where home_district is not null and home_district <> ''
),

weapons as (
    select 'offence:' || offence_key as event_id,
           bool_or(upper(weapon) in ('KNIFE', 'FIREARM', 'OTHER')) as has_weapon
    from stg_offences
    group by offence_key
),

final as (
    select
        o.event_id,
        o.event_rkey,
        p.person_key,
        p.person_rkey,
        h.home_district,
        o.district as offence_district,
        o.event_month,
        o.offence_group,
        coalesce(w.has_weapon, false) as has_weapon,
        coalesce(o.is_serious_violence, false)
            or coalesce(o.offence_group in ('Violence and sexual offences', 'Robbery', 'Possession of weapons'), false)
            or coalesce(w.has_weapon, false) as is_violent,
        h.age_band,
        h.sex,
        -- Whose pseudonym: the offence file's owner made the young person's (int_events).
        o.owner_code
    from offences as o
    join people as p using (event_id)
    join homes as h using (person_key)
    left join weapons as w using (event_id)
)

select * from final order by event_id, person_key
