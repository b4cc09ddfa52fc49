-- Episodes of the period by RHI status: why an episode did not get an offer within 72 hours.
select rhi_status, sum(episodes)::bigint as episodes, sum(episodes_ckey)::bigint as episodes_ckey
from mart_episode_cells
where month between $month_from and $month_to
  and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
  and cm_in_scope(owner_code, $scope)
group by rhi_status
order by rhi_status
