-- The review's findings summarised by action type, over every action in the data.
select * from mart_disruption_by_type order by actions desc, action_type
