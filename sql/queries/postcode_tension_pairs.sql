-- The cross-district pairs for the period: offences of violence (violence, robbery,
-- weapons, serious youth violence or a weapon recorded) in one district involving young
-- people who live in the other, both directions added, and the young people involved.
-- By district: contextmap.postcodes_view ranks them by the counts as shown, never the true
-- ones. A council scope counts only the young people its own key pseudonymised (as
-- postcode_tension).
with involvement as (
    select *
    from mart_hotspot_tension_people
    where event_month between $month_from and $month_to
      and cm_counted(null, age_band, sex, null, 'All', $age_bands, $sexes, 'All')
      and cm_in_scope(owner_code, $scope)
      and home_district <> offence_district
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
),

directed as (
    select * from people join offences using (home_district, offence_district)
),

pairs as (
    select
        least(home_district, offence_district) as district_a,
        greatest(home_district, offence_district) as district_b,
        coalesce(sum(people) filter (where home_district < offence_district), 0)::bigint as people_a_in_b,
        coalesce(sum(people) filter (where home_district > offence_district), 0)::bigint as people_b_in_a,
        coalesce(sum(violent_offences) filter (where home_district < offence_district), 0)::bigint as violent_a_in_b,
        coalesce(sum(violent_offences) filter (where home_district > offence_district), 0)::bigint as violent_b_in_a,
        sum(offences)::bigint as offences,
        sum(violent_offences)::bigint as violent_offences,
        sum(weapon_offences)::bigint as weapon_offences,
        coalesce(sum(people_ckey) filter (where home_district < offence_district), 0)::bigint as people_a_in_b_ckey,
        coalesce(sum(people_ckey) filter (where home_district > offence_district), 0)::bigint as people_b_in_a_ckey,
        coalesce(sum(violent_offences_ckey) filter (where home_district < offence_district), 0)::bigint
            as violent_a_in_b_ckey,
        coalesce(sum(violent_offences_ckey) filter (where home_district > offence_district), 0)::bigint
            as violent_b_in_a_ckey,
        sum(offences_ckey)::bigint as offences_ckey,
        sum(violent_offences_ckey)::bigint as violent_offences_ckey,
        sum(weapon_offences_ckey)::bigint as weapon_offences_ckey
    from directed
    group by all
)

select
    *,
    people_a_in_b + people_b_in_a as people_both_ways,
    people_a_in_b_ckey + people_b_in_a_ckey as people_both_ways_ckey
from pairs
order by district_a, district_b
