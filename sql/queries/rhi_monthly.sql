-- RHI measures per month for one locality and looked-after status (or All), of the
-- user's scope: the whole build's roll-up ('All') or one council's own episodes.
select *
from mart_rhi_timeliness
where month between $month_from and $month_to
  and owner_code = $scope
  and locality = $locality
  and looked_after = $looked_after
order by month
