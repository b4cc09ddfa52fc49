-- Episodes of the period by RHI status: why an episode did not get an offer within 72 hours.
select rhi_status, sum(episodes)::bigint as episodes, sum(episodes_ckey)::bigint as episodes_ckey
from mart_episode_cells
where month between $month_from and $month_to
  and ($locality = 'All' or locality = $locality)
  and ($looked_after = 'All' or is_looked_after = ($looked_after = 'Looked after'))
  and list_contains($age_bands, age_band)
  and list_contains($sexes, sex)
group by rhi_status
order by rhi_status
