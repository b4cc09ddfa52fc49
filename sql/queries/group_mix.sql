-- One peer group's breakdowns (links by evidence, members by age, sex and looked-after
-- status, offences by type, interview themes, events by locality and district).
select dimension, category, n, n_ckey
from mart_peer_group_mix
where group_id = $group_id
order by dimension, n desc, category
