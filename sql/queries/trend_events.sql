-- Located events per month (sources chosen in the filters), split by one dimension
-- ($split: none, locality, source, age_band, sex, looked_after or theme). A council scope
-- counts its own children's missing and interview events and the offences in its area.
with events as (
    select *
    from mart_event_cells
    where event_month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and list_contains($sources, event_source)
      and cm_in_scope(scope_code, $scope)
),

split as (
    select
        *,
        unnest(
            case
                when $split = 'theme' then (case when len(themes) = 0 then ['No theme recorded'] else themes end)
                else [case $split
                    when 'locality' then locality
                    when 'source' then event_source
                    when 'age_band' then age_band
                    when 'sex' then sex
                    when 'looked_after' then (case when is_looked_after then 'Looked after' else 'Not looked after' end)
                    else 'All'
                end]
            end
        ) as split_value
    from events
)

select event_month as month, split_value, sum(events)::bigint as events, sum(events_ckey) as events_ckey
from split
group by all
order by month, split_value
