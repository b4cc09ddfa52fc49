-- Postcode districts or sectors ($level) for the period ending $month_to: counts, rates
-- per 1,000 children (in-area units) and Poisson exceedance from mart_postcode_hotspots.
-- A council scope sees only the units of mart_postcode_scopes, counting its own children's
-- events there and the force's offences in LSOAs in or bordering the council
-- (mart_postcode_event_cells); the rate, expectation and exceedance are of every
-- council's children, so they are left out (null) for it.
with chosen as (
    select case when len($sources) = 1 then $sources[1] else 'all' end as source_key
),

units as (
    select h.*, c.source_key
    from mart_postcode_hotspots as h
    cross join chosen as c
    where h.level = $level
      and h.month_from = $month_from::date
      and h.month_to = $month_to::date
      and h.event_source = c.source_key
      and ($locality = 'All' or h.locality = $locality)
),

reach as (
    -- The LSOAs whose offences a council scope counts: its own and those bordering it.
    select code as lsoa_code from mart_area_scopes
    where level = 'lsoa' and council_code = $scope and counts_offences
),

own_counts as (
    select e.code, sum(e.events)::bigint as events, sum(e.events_ckey)::bigint as events_ckey
    from mart_postcode_event_cells as e
    cross join chosen as c
    where not cm_whole_scope($scope)
      and e.level = $level
      and e.event_month between $month_from::date and $month_to::date
      and (c.source_key = 'all' or e.event_source = c.source_key)
      and (
          cm_in_scope(e.owner_code, $scope)
          or (e.event_source = 'offence' and e.lsoa_code in (select r.lsoa_code from reach as r))
      )
    group by e.code
),

scoped as (
    select
        u.* replace (
            coalesce(o.events, 0)::bigint as events,
            coalesce(o.events_ckey, 0)::bigint as events_ckey,
            null::double as children_10_17,
            null::double as rate_per_1000,
            null::double as expected,
            null::double as ratio,
            null::double as poisson_p,
            null::double as poisson_q,
            null::boolean as is_exceedance
        )
    from units as u
    join mart_postcode_scopes as s on s.level = u.level and s.code = u.code and s.council_code = $scope
    left join own_counts as o on o.code = u.code
)

select * from units where cm_whole_scope($scope)
union all
select * from scoped
order by code
