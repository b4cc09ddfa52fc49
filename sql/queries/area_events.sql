-- Events per ward or LSOA for the filters, with the children aged 10-17 who live there.
-- A council scope sees only the areas mart_area_scopes gives it (any other shows nothing),
-- counting its own children's missing and interview events, and the force's offences only
-- in LSOAs in or bordering the council; the whole build sees and counts everything.
-- Each source's events too (events are their sum): the sidebar shows each source alone, so the
-- period guard sets the total against them (contextmap.event_counts).
-- cross_border_councils: councils with more than suppress_max children in the area over
-- the whole span (mart_area_cross_border), the same for every scope.
-- not perturbed: cross_border_councils (how many councils, each with more than suppress_max children)
with seen as (
    select ward_code as code from geo_ward where cm_whole_scope($scope) and $level = 'ward'
    union all
    select lsoa_code from geo_lsoa where cm_whole_scope($scope) and $level = 'lsoa'
    union all
    select code from mart_area_scopes where council_code = $scope and level = $level
),

offence_lsoas as (
    -- The LSOAs where a council scope counts the force's offences.
    select code as lsoa_code from mart_area_scopes where council_code = $scope and level = 'lsoa' and counts_offences
),

counts as (
    select
        case when $level = 'ward' then ward_code else lsoa_code end as code,
        sum(events) as events,
        sum(events_ckey) as events_ckey,
        coalesce(sum(events) filter (where event_source = 'missing_from'), 0) as missing_from,
        coalesce(sum(events_ckey) filter (where event_source = 'missing_from'), 0) as missing_from_ckey,
        coalesce(sum(events) filter (where event_source = 'missing_found'), 0) as missing_found,
        coalesce(sum(events_ckey) filter (where event_source = 'missing_found'), 0) as missing_found_ckey,
        coalesce(sum(events) filter (where event_source = 'rhi_mention'), 0) as rhi_mention,
        coalesce(sum(events_ckey) filter (where event_source = 'rhi_mention'), 0) as rhi_mention_ckey,
        coalesce(sum(events) filter (where event_source = 'offence'), 0) as offence,
        coalesce(sum(events_ckey) filter (where event_source = 'offence'), 0) as offence_ckey
    from mart_monthly_area_counts
    where event_month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and list_contains($sources, event_source)
      and (cm_in_scope(owner_code, $scope)
           or (event_source = 'offence' and lsoa_code in (select o.lsoa_code from offence_lsoas as o)))
    group by all
),

areas as (
    select 'ward' as level, ward_code as code, ward_name as name, locality, children_10_17 from geo_ward
    union all
    select 'lsoa', lsoa_code, lsoa_name, locality, children_10_17 from geo_lsoa
)

select a.code, a.name, a.locality, a.children_10_17, coalesce(c.events, 0)::bigint as events,
       coalesce(b.councils, 0)::bigint as cross_border_councils, coalesce(b.is_cross_border, false) as is_cross_border,
       coalesce(c.events_ckey, 0)::bigint as events_ckey,
       coalesce(c.missing_from, 0)::bigint as missing_from,
       coalesce(c.missing_from_ckey, 0)::bigint as missing_from_ckey,
       coalesce(c.missing_found, 0)::bigint as missing_found,
       coalesce(c.missing_found_ckey, 0)::bigint as missing_found_ckey,
       coalesce(c.rhi_mention, 0)::bigint as rhi_mention,
       coalesce(c.rhi_mention_ckey, 0)::bigint as rhi_mention_ckey,
       coalesce(c.offence, 0)::bigint as offence,
       coalesce(c.offence_ckey, 0)::bigint as offence_ckey
from areas as a
semi join seen using (code)
left join counts as c using (code)
left join mart_area_cross_border as b on b.level = a.level and b.code = a.code
where a.level = $level and ($locality = 'All' or a.locality = $locality)
order by a.code
