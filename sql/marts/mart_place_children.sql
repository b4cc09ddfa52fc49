-- The children of the events linked to each place of concern, by month, source and the
-- filters the places table applies: one row per child, so a period's distinct children
-- (and their cell key, the sum of their record keys) are counted over the months it spans.
-- Demography is the event's, as the events are filtered; an offence's children are all
-- the young people recorded for it (int_event_people).
with events as (
    select event_id, place_id, event_month, event_source, age_band, sex, is_looked_after, owner_code
    from int_events
    where place_id is not null
),

final as (
    select distinct
        e.place_id,
        e.event_month,
        e.event_source,
        -- Whose records (as mart_place_event_cells).
        e.owner_code,
        e.age_band,
        e.sex,
        -- Unknown counts as not looked after, as the filters count it (cm_counted).
        coalesce(e.is_looked_after, false) as is_looked_after,
        p.person_key,
        p.person_rkey
    from events as e
    join int_event_people as p using (event_id)
)

select * from final order by all
