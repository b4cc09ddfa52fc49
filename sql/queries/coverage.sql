-- any scope: the months each source covers, for the period picker (never shown as counts)
-- The months each source covers and where the data end: the opening month, partial
-- months and which comparisons have data on both sides (contextmap.coverage).
-- not perturbed: records (only whether a source has any records is used; never shown)
select source, records, first_month, last_month, data_end from mart_coverage order by source
