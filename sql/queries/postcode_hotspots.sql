-- Postcode districts or sectors ($level) for the period ending $month_to: counts, rates
-- per 1,000 children (in-area units) and Poisson exceedance from mart_postcode_hotspots.
-- A council scope sees only the units of mart_postcode_scopes, counting its own children's
-- events there and the force's offences in LSOAs in or bordering the council
-- (mart_postcode_event_cells); the rate, expectation and exceedance are of every
-- council's children, so they are left out (null) for it.
-- Each source's events too (events are their sum): the sidebar shows each source alone, so the
-- period guard sets the total against them (contextmap.postcodes_view.units).
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

sources as (
    -- Each source's events of the units (a source not chosen counts 0).
    select
        h.code,
        sum(h.events) filter (where h.event_source = 'missing_from') as missing_from,
        sum(h.events_ckey) filter (where h.event_source = 'missing_from') as missing_from_ckey,
        sum(h.events) filter (where h.event_source = 'missing_found') as missing_found,
        sum(h.events_ckey) filter (where h.event_source = 'missing_found') as missing_found_ckey,
        sum(h.events) filter (where h.event_source = 'rhi_mention') as rhi_mention,
        sum(h.events_ckey) filter (where h.event_source = 'rhi_mention') as rhi_mention_ckey,
        sum(h.events) filter (where h.event_source = 'offence') as offence,
        sum(h.events_ckey) filter (where h.event_source = 'offence') as offence_ckey
    from mart_postcode_hotspots as h
    cross join chosen as c
    where cm_whole_scope($scope)
      and h.level = $level
      and h.month_from = $month_from::date
      and h.month_to = $month_to::date
      and h.event_source <> 'all'
      and (c.source_key = 'all' or h.event_source = c.source_key)
    group by h.code
),

reach as (
    -- The LSOAs whose offences a council scope counts: its own and those bordering it.
    select code as lsoa_code from mart_area_scopes
    where level = 'lsoa' and council_code = $scope and counts_offences
),

own_counts as (
    select
        e.code,
        sum(e.events)::bigint as events,
        sum(e.events_ckey)::bigint as events_ckey,
        sum(e.events) filter (where e.event_source = 'missing_from') as missing_from,
        sum(e.events_ckey) filter (where e.event_source = 'missing_from') as missing_from_ckey,
        sum(e.events) filter (where e.event_source = 'missing_found') as missing_found,
        sum(e.events_ckey) filter (where e.event_source = 'missing_found') as missing_found_ckey,
        sum(e.events) filter (where e.event_source = 'rhi_mention') as rhi_mention,
        sum(e.events_ckey) filter (where e.event_source = 'rhi_mention') as rhi_mention_ckey,
        sum(e.events) filter (where e.event_source = 'offence') as offence,
        sum(e.events_ckey) filter (where e.event_source = 'offence') as offence_ckey
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
        ),
        coalesce(o.missing_from, 0)::bigint as missing_from,
        coalesce(o.missing_from_ckey, 0)::bigint as missing_from_ckey,
        coalesce(o.missing_found, 0)::bigint as missing_found,
        coalesce(o.missing_found_ckey, 0)::bigint as missing_found_ckey,
        coalesce(o.rhi_mention, 0)::bigint as rhi_mention,
        coalesce(o.rhi_mention_ckey, 0)::bigint as rhi_mention_ckey,
        coalesce(o.offence, 0)::bigint as offence,
        coalesce(o.offence_ckey, 0)::bigint as offence_ckey
    from units as u
    join mart_postcode_scopes as s on s.level = u.level and s.code = u.code and s.council_code = $scope
    left join own_counts as o on o.code = u.code
),

whole as (
    select
        u.*,
        coalesce(s.missing_from, 0)::bigint as missing_from,
        coalesce(s.missing_from_ckey, 0)::bigint as missing_from_ckey,
        coalesce(s.missing_found, 0)::bigint as missing_found,
        coalesce(s.missing_found_ckey, 0)::bigint as missing_found_ckey,
        coalesce(s.rhi_mention, 0)::bigint as rhi_mention,
        coalesce(s.rhi_mention_ckey, 0)::bigint as rhi_mention_ckey,
        coalesce(s.offence, 0)::bigint as offence,
        coalesce(s.offence_ckey, 0)::bigint as offence_ckey
    from units as u
    left join sources as s on s.code = u.code
    where cm_whole_scope($scope)
)

select * from whole
union all
select * from scoped
order by code
