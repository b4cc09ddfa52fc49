-- Each month of the quarter so far to $month_to, per unit of $level: its events (all sources,
-- every child), as the emerging windows of that quarter add them up (a window less the one
-- a month before). These are the cells of the month's own views (the Map and Places), so
-- the period guard can hide a window at the ceiling of its months (contextmap.emerging_view).
select
    unit_code,
    month_to as month,
    recent_events - coalesce(lag(recent_events) over by_month, 0) as events,
    recent_events_ckey - coalesce(lag(recent_events_ckey) over by_month, 0) as events_ckey
from mart_emerging_hotspots
where level = $level
  and month_to between date_trunc('quarter', $month_to::date) and $month_to::date
  and ($locality = 'All' or locality = $locality)
window by_month as (partition by unit_code order by month_to)
order by unit_code, month
