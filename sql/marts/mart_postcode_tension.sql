-- Young people from one postcode district involved in offences in
-- another, over the whole data span (the postcode tension queries cut any period).
with involvement as (
    select * from mart_hotspot_tension_people
),

final as (
    select
        home_district,
        offence_district,
        home_district <> offence_district as is_cross_district,
        count(distinct person_key) as people,
        count(distinct event_id) as offences,
        count(distinct event_id) filter (where is_violent) as violent_offences,
        count(distinct event_id) filter (where has_weapon) as weapon_offences,
        min(event_month) as first_month,
        max(event_month) as last_month
    from involvement
    group by home_district, offence_district
)

select * from final order by home_district, offence_district
