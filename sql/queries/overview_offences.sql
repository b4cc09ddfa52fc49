-- Offences involving young people in one period and locality (an offence counts once):
-- an offence counts when any young person it involved is in the chosen age bands and sexes.
with wanted as (
    select flatten(list_transform($age_bands, lambda a: list_transform($sexes, lambda s: a || '|' || s))) as people
),

cells as (
    select c.*
    from mart_offence_cells as c, wanted as w
    where c.month between $month_from and $month_to
      and ($locality = 'All' or c.locality = $locality)
      and list_has_any(c.people, w.people)
      and cm_in_scope(c.council_code, $scope)
)

select
    coalesce(sum(c.offences), 0)::bigint as offences,
    coalesce(sum(c.offences) filter (where list_has_any(c.serious_violence_people, w.people)), 0)::bigint
        as serious_violence,
    coalesce(sum(c.offences) filter (where list_has_any(c.weapon_people, w.people)), 0)::bigint as weapon_offences,
    coalesce(sum(c.offences_ckey), 0)::bigint as offences_ckey,
    coalesce(sum(c.offences_ckey) filter (where list_has_any(c.serious_violence_people, w.people)), 0)::bigint
        as serious_violence_ckey,
    coalesce(sum(c.offences_ckey) filter (where list_has_any(c.weapon_people, w.people)), 0)::bigint
        as weapon_offences_ckey
from cells as c, wanted as w
