-- Offences involving young people per month (an offence counts once per line), split by
-- one dimension ($split: none, locality, age_band, sex or offence_group). An offence
-- counts on a line when a young person it involved passes the filters and is on that
-- line (so an offence involving two age bands counts once under each). A council scope
-- counts the offences in its area.
with wanted as (
    select flatten(list_transform($age_bands, lambda a: list_transform($sexes, lambda s: a || '|' || s))) as people
),

cells as (
    select
        c.month,
        c.offences,
        c.offences_ckey,
        case $split when 'locality' then c.locality when 'offence_group' then c.offence_group else 'All' end
            as cell_value,
        list_filter(c.people, lambda p: list_contains(w.people, p)) as people,
        list_filter(c.serious_violence_people, lambda p: list_contains(w.people, p)) as serious_violence_people,
        list_filter(c.weapon_people, lambda p: list_contains(w.people, p)) as weapon_people
    from mart_offence_cells as c, wanted as w
    where c.month between $month_from and $month_to
      and ($locality = 'All' or c.locality = $locality)
      and list_has_any(c.people, w.people)
      and cm_in_scope(c.council_code, $scope)
),

-- The lines each cell's offences count on, for all, serious violence and weapon offences.
lines as (
    select
        month,
        offences,
        offences_ckey,
        list_transform(people, lambda p: case $split when 'age_band' then split_part(p, '|', 1)
            when 'sex' then split_part(p, '|', 2) else cell_value end) as on_lines,
        list_transform(serious_violence_people, lambda p: case $split when 'age_band' then split_part(p, '|', 1)
            when 'sex' then split_part(p, '|', 2) else cell_value end) as serious_violence_lines,
        list_transform(weapon_people, lambda p: case $split when 'age_band' then split_part(p, '|', 1)
            when 'sex' then split_part(p, '|', 2) else cell_value end) as weapon_lines
    from cells
),

split as (
    select *, unnest(list_distinct(on_lines)) as split_value
    from lines
)

select
    month,
    split_value,
    sum(offences)::bigint as offences,
    coalesce(sum(offences) filter (where list_contains(serious_violence_lines, split_value)), 0)::bigint
        as serious_violence,
    coalesce(sum(offences) filter (where list_contains(weapon_lines, split_value)), 0)::bigint as weapon_offences,
    sum(offences_ckey)::bigint as offences_ckey,
    coalesce(sum(offences_ckey) filter (where list_contains(serious_violence_lines, split_value)), 0)::bigint
        as serious_violence_ckey,
    coalesce(sum(offences_ckey) filter (where list_contains(weapon_lines, split_value)), 0)::bigint
        as weapon_offences_ckey
from split
group by all
order by month, split_value
