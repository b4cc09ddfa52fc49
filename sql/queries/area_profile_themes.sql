-- Return home interview themes of the episodes with an event in one ward or LSOA in the
-- period (each episode counted once per theme); a council scope counts its own children's
-- episodes, in an area it sees (mart_area_scopes).
with seen as (
    select $code as code where cm_whole_scope($scope)
    union all
    select code from mart_area_scopes where council_code = $scope and level = $level and code = $code
),

linked as (
    select distinct episode_key, episode_rkey, theme
    from mart_area_episode_themes
    where level = (case when $level = 'ward' then 'ward' else 'lsoa' end)
      and code in (select v.code from seen as v)
      and event_month between $month_from and $month_to
      and list_contains($sources, event_source)
      and cm_counted(null, age_band, sex, is_looked_after, 'All', $age_bands, $sexes, $looked_after)
      and cm_in_scope(owner_code, $scope)
)

select theme, count(*) as episodes, sum(episode_rkey) as episodes_ckey
from linked
group by theme
order by theme
