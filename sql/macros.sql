-- Temp macros the models share (installed on the build connection, never stored).

-- The most frequent value of a histogram(), ties to the smallest value, so a rebuild of
-- the same input gives the same answer (DuckDB's own mode aggregate breaks ties by arrival order).
create or replace temp macro cm_top(h) as
    (list_sort(list_transform(map_entries(h), lambda e: { 'n': -e.value::bigint, 'v': e.key }))[1]).v;
