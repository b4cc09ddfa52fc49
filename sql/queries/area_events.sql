-- Events per ward or LSOA for the filters, with the children aged 10-17 who live there.
with counts as (
    select
        case when $level = 'ward' then ward_code else lsoa_code end as code,
        sum(events) as events,
        sum(events_ckey) as events_ckey
    from mart_monthly_area_counts
    where event_month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and list_contains($sources, event_source)
    group by all
),

areas as (
    select 'ward' as level, ward_code as code, ward_name as name, locality, children_10_17 from geo_ward
    union all
    select 'lsoa', lsoa_code, lsoa_name, locality, children_10_17 from geo_lsoa
)

select a.code, a.name, a.locality, a.children_10_17, coalesce(c.events, 0)::bigint as events,
       coalesce(c.events_ckey, 0)::bigint as events_ckey
from areas as a
left join counts as c using (code)
where a.level = $level and ($locality = 'All' or a.locality = $locality)
order by a.code
