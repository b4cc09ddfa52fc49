-- Return home interview themes of the episodes linked to one place in the period
-- (each episode counted once per theme).
with linked as (
    select distinct episode_key, episode_rkey, unnest(themes) as theme
    from int_events
    where place_id = $place_id
      and episode_key is not null
      and event_month between $month_from and $month_to
      and list_contains($sources, event_source)
      and cm_counted(locality, age_band, sex, is_looked_after, 'All', $age_bands, $sexes, $looked_after)
)

select theme, count(*) as episodes, sum(episode_rkey) as episodes_ckey
from linked
group by theme
order by episodes desc, theme
