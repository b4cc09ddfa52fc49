-- Offences involving young people in one period and locality (an offence counts once).
with offences as (
    select o.*, coalesce(l.locality, 'Unknown') as locality
    from stg_offences as o
    left join geo_lsoa as l using (lsoa_code)
    where o.offence_month between $month_from and $month_to
      and o.person_key is not null
      and list_contains($age_bands, o.age_band)
      and list_contains($sexes, o.sex)
),

per_offence as (
    select
        offence_key,
        bool_or(is_serious_violence) as is_serious_violence,
        bool_or(weapon in ('KNIFE', 'FIREARM', 'OTHER')) as has_weapon
    from offences
    where $locality = 'All' or locality = $locality
    group by offence_key
)

select
    count(*) as offences,
    count(*) filter (where is_serious_violence) as serious_violence,
    count(*) filter (where has_weapon) as weapon_offences
from per_offence
