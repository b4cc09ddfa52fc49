-- Offences involving young people, each counted once, by month, locality and offence
-- group. An offence can involve several young people, and the pages filter by their age
-- band and sex, so each cell keeps the people an offence involved as 'age band|sex'
-- combinations (and those on a serious violence or weapon line): a page counts an
-- offence when any combination it involved passes the filters, exactly as if it had
-- counted distinct offences over the lines. An offence whose lines (one per person)
-- carry different types, months or places takes its first line's (by file and row), as
-- int_events does, so it counts once in totals and once by type. Where it happened is
-- int_events' too (its own LSOA, else its place's, else its postcode sector's), so an
-- offence counts in the same locality and council here as in the events views.
with located as (
    select e.event_id, e.locality, g.council_code
    from int_events as e
    left join geo_lsoa as g using (lsoa_code)
    where e.event_source = 'offence'
),

offences as (
    select o.*, l.locality, l.council_code
    from stg_offences as o
    left join located as l on l.event_id = 'offence:' || o.offence_key
    where o.person_key is not null
),

per_offence as (
    select
        offence_key,
        -- The offence's record key as int_events has it, so the same offences are
        -- perturbed alike here and in the events views (two keys would give two readings
        -- of one count, whose average is closer to it).
        cm_rkey('offence:' || offence_key) as offence_rkey,
        arg_min(offence_month, (source_file, source_row)) as offence_month,
        arg_min(locality, (source_file, source_row)) as locality,
        -- The council the offence happened in (a council scope counts the force's offences in its area).
        arg_min(council_code, (source_file, source_row)) as council_code,
        coalesce(arg_min(offence_group, (source_file, source_row)), 'Unknown') as offence_group,
        list_sort(list_distinct(list(age_band || '|' || sex))) as people,
        list_sort(list_distinct(list(age_band || '|' || sex) filter (where is_serious_violence)))
            as serious_violence_people,
        list_sort(list_distinct(list(age_band || '|' || sex) filter (where weapon in ('KNIFE', 'FIREARM', 'OTHER'))))
            as weapon_people
    from offences
    group by offence_key
),

final as (
    select
        offence_month as month,
        locality,
        council_code,
        offence_group,
        people,
        coalesce(serious_violence_people, []) as serious_violence_people,
        coalesce(weapon_people, []) as weapon_people,
        count(*) as offences,
        -- Cell key: the sum of the offences' record keys (contextmap/cellkey.py).
        sum(offence_rkey) as offences_ckey
    from per_offence
    group by all
)

select * from final order by all
