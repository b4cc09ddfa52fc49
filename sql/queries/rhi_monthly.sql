-- RHI measures per month for one locality and looked-after status (or All).
select *
from mart_rhi_timeliness
where month between $month_from and $month_to
  and locality = $locality
  and looked_after = $looked_after
order by month
