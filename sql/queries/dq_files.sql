-- Each loaded file: rows read, accepted, rejected and the dates it covers.
-- not perturbed: rows_read, rows_accepted, rows_rejected, unresolved_postcodes (rows of input files,
-- for the admin role)
select source_file, table_name, file_format, rows_read, rows_accepted, rows_rejected,
       first_date, last_date, unresolved_postcodes, notes
from file_loads
order by table_name, source_file
