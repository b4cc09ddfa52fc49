-- Missing episodes and offences of children aged 10-17 in the period, with the distinct
-- children behind them, by every dimension the page groups by (ethnic_group, sex,
-- looked_after) and in all (dimension 'total', group 'All': for missing, the Overview's
-- episodes and children of age bands 10-17), in one read: each dimension's groups are
-- guarded against the others' and the total (contextmap.rri.counts). The whole area: the
-- population denominators are for the whole area. The records and the groups they fall
-- in are mart_rri_items (which says how a child is grouped). A council scope counts its
-- own children's episodes, wherever they went missing, and the offences in its area.
-- Every group the scope has in any month is listed, 0 in a period without it (shown "c"):
-- a group left out of a period's table is known empty there, which tells more of the
-- same group in the periods around it (a year shown 6 over two "c" quarters).
with counted as (
    select measure, ethnic_group, sex, is_looked_after, item, item_rkey, person_key, person_rkey
    from mart_rri_items
    where month between $month_from and $month_to
      and cm_in_scope(scope_code, $scope)
    union all
    -- One row with no record per group combination of the scope, so that each is listed.
    select distinct measure, ethnic_group, sex, is_looked_after, null, null, null, null
    from mart_rri_items
    where cm_in_scope(scope_code, $scope)
),

grouped as (
    select measure, 'ethnic_group' as dimension, coalesce(ethnic_group, 'Unknown') as grp, item, item_rkey,
        person_key, person_rkey
    from counted
    union all
    select measure, 'sex' as dimension, coalesce(sex, 'Unknown') as grp, item, item_rkey, person_key, person_rkey
    from counted
    union all
    select
        measure,
        'looked_after' as dimension,
        coalesce(case when is_looked_after then 'Looked after' when not is_looked_after then 'Not looked after' end,
            'Unknown') as grp,
        item,
        item_rkey,
        person_key,
        person_rkey
    from counted
    union all
    select measure, 'total' as dimension, 'All' as grp, item, item_rkey, person_key, person_rkey
    from counted
),

-- An item is one record of one month (mart_rri_items' key), so it is in a group once.
items as (
    select measure, dimension, grp, count(item) as events, coalesce(sum(item_rkey), 0) as events_ckey
    from grouped
    group by all
),

children as (
    select measure, dimension, grp, count(person_key) as children, coalesce(sum(person_rkey), 0) as children_ckey
    from (select distinct measure, dimension, grp, person_key, person_rkey from grouped) as distinct_children
    group by all
)

select i.measure, i.dimension, i.grp, i.events, c.children, i.events_ckey, c.children_ckey
from items as i
inner join children as c using (measure, dimension, grp)
order by i.measure, i.dimension, i.grp
