-- Records that pass validation but look wrong, by check: how many, over which months, and
-- how each analysis treats them (pipelines/quality.py).
-- not perturbed: records (input rows to check at source, for the admin role)
select
    check_label,
    count(*) as records,
    min(month) as first_month,
    max(month) as last_month,
    any_value(treatment) as treatment
from mart_implausible
group by check_order, check_label
order by check_order
