-- The postcode tension matrix for the period: young people living in one postcode
-- district (rows) involved in offences in another (columns), violence and weapons apart.
select
    home_district,
    offence_district,
    home_district <> offence_district as is_cross_district,
    count(distinct person_key) as people,
    count(distinct event_id) as offences,
    count(distinct event_id) filter (where is_violent) as violent_offences,
    count(distinct event_id) filter (where has_weapon) as weapon_offences
from mart_hotspot_tension_people
where event_month between $month_from and $month_to
  and list_contains($age_bands, age_band)
  and list_contains($sexes, sex)
group by home_district, offence_district
order by home_district, offence_district
