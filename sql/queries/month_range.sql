-- any scope: the first and last month of the data, for the period picker
-- The months the data covers, for the period picker.
select min(event_month) as first_month, max(event_month) as last_month from mart_monthly_area_counts
