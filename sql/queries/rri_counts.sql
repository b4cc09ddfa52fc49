-- Missing episodes and offences of children aged 10-17 in the period, with the distinct
-- children behind them, by one dimension ($dimension: ethnic_group, sex or looked_after).
-- The whole area: the population denominators are for the whole area. The records and
-- the groups they fall in are mart_rri_items (which says how a child is grouped). A
-- council scope counts its own children's episodes, wherever they went missing, and the
-- offences in its area.
with counted as (
    select
        measure,
        coalesce(case $dimension
            when 'ethnic_group' then ethnic_group
            when 'sex' then sex
            else (case when is_looked_after then 'Looked after' when not is_looked_after then 'Not looked after' end)
        end, 'Unknown') as grp,
        item,
        item_rkey,
        person_key,
        person_rkey
    from mart_rri_items
    where month between $month_from and $month_to
      and cm_in_scope(scope_code, $scope)
),

items as (
    select measure, grp, count(*) as events, sum(item_rkey) as events_ckey
    from (select distinct measure, grp, item, item_rkey from counted) as distinct_items
    group by all
),

children as (
    select measure, grp, count(*) as children, sum(person_rkey) as children_ckey
    from (select distinct measure, grp, person_key, person_rkey from counted) as distinct_children
    group by all
)

select i.measure, i.grp, i.events, c.children, i.events_ckey, c.children_ckey
from items as i
join children as c using (measure, grp)
order by i.measure, i.grp
