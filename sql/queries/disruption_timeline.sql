-- One action's monthly events at the target by source (the similar places' average comes from
-- disruption_comparison_monthly, on perturbed counts).
select month, month_offset, period, is_in_window, is_active, has_data, events,
       missing_from, missing_found, rhi_mention, offence,
       events_ckey, missing_from_ckey, missing_found_ckey, rhi_mention_ckey, offence_ckey
from mart_disruption_timeline
where action_id = $action_id
order by month
