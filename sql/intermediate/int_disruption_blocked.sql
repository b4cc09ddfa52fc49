-- Units that cannot be a comparison for an action: any place or area touched by an action
-- (itself included) running at some point of its before-to-after window, the areas around
-- such places and the places inside such areas.
with actions as (
    select * from int_disruption_actions
),

place_areas as (
    select place_id, 'ward' as level, ward_code as code from int_places where ward_code is not null
    union all
    select place_id, 'lsoa', lsoa_code from int_places where lsoa_code is not null
    union all
    select place_id, 'sector', sector from int_places where sector is not null
),

overlapping as (
    select a.action_id, b.target_level, b.target_code
    from actions as a
    join actions as b on b.action_month <= a.after_end and b.end_month >= a.before_start
),

final as (
    select action_id, target_level as level, target_code as code from overlapping
    union
    select o.action_id, pa.level, pa.code
    from overlapping as o join place_areas as pa on o.target_level = 'place' and pa.place_id = o.target_code
    union
    select o.action_id, 'place', pa.place_id
    from overlapping as o join place_areas as pa on pa.level = o.target_level and pa.code = o.target_code
)

select * from final order by all
