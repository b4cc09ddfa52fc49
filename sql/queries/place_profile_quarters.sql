-- Events linked to each place of concern in each of the 8 calendar quarters to the one
-- ending $quarter_to (that quarter's end, or the data's end while it runs), and in each of
-- their months, for the filters: the places table's sparklines. Quarters are the periods the
-- rest of the product shows (periods nest), and their months let the period guard hide a
-- quarter at the ceiling of its hidden months, and each count against its sources' (each
-- shown alone when the sidebar picks one). month is null on a quarter's row;
-- quarters_ago = 0 is the latest quarter; quarters and months with no events are absent.
-- A council scope counts what it counts in place_ranking.sql, at the places it sees.
with seen as (
    -- The places the scope sees (mart_place_scopes), and whether it counts offences there.
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
),

months as (
    select
        place_id,
        event_month as month,
        date_diff(
            'quarter', date_trunc('quarter', event_month), date_trunc('quarter', $quarter_to::date)
        ) as quarters_ago,
        sum(events) as events,
        sum(events_ckey) as events_ckey,
        coalesce(sum(events) filter (where event_source = 'missing_found'), 0) as missing_found,
        coalesce(sum(events_ckey) filter (where event_source = 'missing_found'), 0) as missing_found_ckey,
        coalesce(sum(events) filter (where event_source = 'rhi_mention'), 0) as rhi_mention,
        coalesce(sum(events_ckey) filter (where event_source = 'rhi_mention'), 0) as rhi_mention_ckey,
        coalesce(sum(events) filter (where event_source = 'offence'), 0) as offence,
        coalesce(sum(events_ckey) filter (where event_source = 'offence'), 0) as offence_ckey
    from mart_place_event_cells
    join seen as v using (place_id)
    where (cm_in_scope(owner_code, $scope) or (event_source = 'offence' and v.counts_offences))
      and event_month between (date_trunc('quarter', $quarter_to::date) - interval 21 month)::date and $quarter_to::date
      and list_contains($sources, event_source)
      and cm_counted(null, age_band, sex, is_looked_after, 'All', $age_bands, $sexes, $looked_after)
    group by all
)

select
    place_id,
    quarters_ago,
    null::date as month,
    sum(events)::bigint as events,
    sum(events_ckey)::bigint as events_ckey,
    sum(missing_found)::bigint as missing_found,
    sum(missing_found_ckey)::bigint as missing_found_ckey,
    sum(rhi_mention)::bigint as rhi_mention,
    sum(rhi_mention_ckey)::bigint as rhi_mention_ckey,
    sum(offence)::bigint as offence,
    sum(offence_ckey)::bigint as offence_ckey
from months
group by place_id, quarters_ago
union all
select
    place_id,
    quarters_ago,
    month,
    events::bigint,
    events_ckey::bigint,
    missing_found::bigint,
    missing_found_ckey::bigint,
    rhi_mention::bigint,
    rhi_mention_ckey::bigint,
    offence::bigint,
    offence_ckey::bigint
from months
order by place_id, quarters_ago, month nulls first
