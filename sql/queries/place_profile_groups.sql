-- Peer groups seen at one place (whole data span). Groups are shown by number, busiest (as
-- shown) first: contextmap.profile_view orders them.
select g.group_id, g.events, g.found_here, g.rhi_mentions, g.offences, g.people, g.last_event_at, pg.size,
       g.events_ckey, g.found_here_ckey, g.rhi_mentions_ckey, g.offences_ckey, g.people_ckey, pg.size_ckey
from mart_place_groups as g
left join mart_peer_groups as pg using (group_id)
where g.place_id = $place_id
order by g.group_id
