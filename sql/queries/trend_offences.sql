-- Offences involving young people per month (an offence counts once per line), split by
-- one dimension ($split: none, locality, age_band, sex or offence_group).
with offences as (
    select o.*, coalesce(l.locality, 'Unknown') as locality
    from stg_offences as o
    left join geo_lsoa as l using (lsoa_code)
    where o.offence_month between $month_from and $month_to
      and o.person_key is not null
      and list_contains($age_bands, o.age_band)
      and list_contains($sexes, o.sex)
),

split as (
    select
        *,
        case $split
            when 'locality' then locality
            when 'age_band' then age_band
            when 'sex' then sex
            when 'offence_group' then coalesce(offence_group, 'Unknown')
            else 'All'
        end as split_value
    from offences
    where $locality = 'All' or locality = $locality
)

select
    offence_month as month,
    split_value,
    count(distinct offence_key) as offences,
    count(distinct offence_key) filter (where is_serious_violence) as serious_violence,
    count(distinct offence_key) filter (where weapon in ('KNIFE', 'FIREARM', 'OTHER')) as weapon_offences
from split
group by all
order by month, split_value
