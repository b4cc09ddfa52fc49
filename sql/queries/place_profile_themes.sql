-- Return home interview themes of the episodes linked to one place in the period
-- (each episode counted once per theme).
with linked as (
    select distinct episode_key, episode_rkey, theme
    from mart_area_episode_themes
    where level = 'place'
      and code = $place_id
      and event_month between $month_from and $month_to
      and list_contains($sources, event_source)
      and cm_counted(null, age_band, sex, is_looked_after, 'All', $age_bands, $sexes, $looked_after)
)

select theme, count(*) as episodes, sum(episode_rkey) as episodes_ckey
from linked
group by theme
order by episodes desc, theme
