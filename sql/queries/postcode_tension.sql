-- The postcode tension matrix for the period: young people living in one postcode
-- district (rows) involved in offences in another (columns), violence and weapons apart.
-- People and offences are counted distinct per pair, each with its cell key. A council
-- scope counts only the young people its own key pseudonymised (none, while offences are
-- the force's and pseudonymised with its key: they never link to a council's children).
with involvement as (
    select *
    from mart_hotspot_tension_people
    where event_month between $month_from and $month_to
      and cm_counted(null, age_band, sex, null, 'All', $age_bands, $sexes, 'All')
      and cm_in_scope(owner_code, $scope)
),

people as (
    select home_district, offence_district, count(*) as people, sum(person_rkey) as people_ckey
    from (select distinct home_district, offence_district, person_key, person_rkey from involvement) as distinct_people
    group by all
),

offences as (
    select
        home_district,
        offence_district,
        count(*) as offences,
        count(*) filter (where is_violent) as violent_offences,
        count(*) filter (where has_weapon) as weapon_offences,
        sum(event_rkey) as offences_ckey,
        coalesce(sum(event_rkey) filter (where is_violent), 0) as violent_offences_ckey,
        coalesce(sum(event_rkey) filter (where has_weapon), 0) as weapon_offences_ckey
    from (
        select distinct home_district, offence_district, event_id, event_rkey, is_violent, has_weapon
        from involvement
    ) as distinct_offences
    group by all
)

select
    home_district,
    offence_district,
    home_district <> offence_district as is_cross_district,
    p.people,
    o.offences,
    o.violent_offences,
    o.weapon_offences,
    p.people_ckey,
    o.offences_ckey,
    o.violent_offences_ckey,
    o.weapon_offences_ckey
from people as p
join offences as o using (home_district, offence_district)
order by home_district, offence_district
