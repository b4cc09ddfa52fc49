-- Return home interview themes of the episodes linked to one place in the period
-- (each episode counted once per theme); a council scope counts its own children's
-- episodes at a place it sees (place_ranking.sql).
with seen as (
    -- The places the scope sees (mart_place_scopes), and whether it counts offences there.
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
),

linked as (
    select distinct episode_key, episode_rkey, theme
    from mart_area_episode_themes
    join seen as v on v.place_id = code
    where level = 'place'
      and code = $place_id
      and cm_in_scope(owner_code, $scope)
      and event_month between $month_from and $month_to
      and list_contains($sources, event_source)
      and cm_counted(null, age_band, sex, is_looked_after, 'All', $age_bands, $sexes, $looked_after)
)

select theme, count(*) as episodes, sum(episode_rkey) as episodes_ckey
from linked
group by theme
order by theme
