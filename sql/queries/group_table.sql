-- Peer groups with their events in the chosen period (contextmap.network ranks them by the
-- events in the last three months as shown). The
-- locality filter keeps groups with any event in that locality; a council scope keeps the
-- groups with at least one of its children (figures are the whole group's, in aggregate).
-- not perturbed: places (how many places of concern, not children)
-- not perturbed: councils (how many councils' children are members, not how many children)
with period as (
    select group_id, sum(events) as period_events, sum(events_ckey) as period_events_ckey
    from mart_peer_group_monthly
    where month between $month_from and $month_to
    group by group_id
)

select g.*, coalesce(p.period_events, 0)::bigint as period_events,
       coalesce(p.period_events_ckey, 0)::bigint as period_events_ckey
from mart_peer_groups as g
left join period as p using (group_id)
where ($locality = 'All' or list_contains(g.localities, $locality))
  and g.group_id in (select group_id from mart_peer_group_members where cm_in_scope(owner_code, $scope))
order by g.group_id
