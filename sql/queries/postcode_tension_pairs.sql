-- The strongest cross-district pairs for the period. Strength = offences of violence
-- (violence, robbery, weapons, serious youth violence or a weapon recorded) in one
-- district involving young people who live in the other, both directions added;
-- ties are broken by the young people involved.
with directed as (
    select
        home_district,
        offence_district,
        count(distinct person_key) as people,
        count(distinct event_id) as offences,
        count(distinct event_id) filter (where is_violent) as violent_offences,
        count(distinct event_id) filter (where has_weapon) as weapon_offences
    from mart_hotspot_tension_people
    where event_month between $month_from and $month_to
      and list_contains($age_bands, age_band)
      and list_contains($sexes, sex)
      and home_district <> offence_district
    group by all
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
        sum(weapon_offences)::bigint as weapon_offences
    from directed
    group by all
)

select
    *,
    violent_offences as strength,
    rank() over (order by violent_offences desc, people_a_in_b + people_b_in_a desc) as pair_rank
from pairs
order by pair_rank, district_a, district_b
