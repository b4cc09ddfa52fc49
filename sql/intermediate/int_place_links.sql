-- Each distinct located point (offences and found locations not already at a place) linked
-- to the nearest place of concern within $place_radius_m metres. Distances are on an
-- equirectangular projection about the places' mean latitude: within a council area its
-- error is far below a metre. Points meet places through a grid of cells one radius wide,
-- so a point is measured only against the places in its own cell and the 8 around it.
-- On an exact tie (two places at one spot) the lower place id wins.
with places as (
    select place_id, lat, lon from stg_places
    where lat is not null
),

origin as (
    select cos(radians(avg(lat))) as x_scale from places
),

place_cells as (
    select
        p.place_id,
        6371008.8 * radians(p.lon) * o.x_scale as x,
        6371008.8 * radians(p.lat) as y,
        floor(x / $place_radius_m) as cell_x,
        floor(y / $place_radius_m) as cell_y
    from places as p, origin as o
),

points as (
    select distinct
        lat,
        lon
    from stg_offences
    where lat is not null and place_id is null
    union
    select distinct
        found_lat,
        found_lon
    from stg_missing_episodes
    where found_lat is not null and found_place_id is null
),

point_cells as (
    select
        p.lat,
        p.lon,
        6371008.8 * radians(p.lon) * o.x_scale as x,
        6371008.8 * radians(p.lat) as y,
        floor(x / $place_radius_m) + unnest([-1, 0, 1]) as cell_x,
        floor(y / $place_radius_m) as row_y
    from points as p, origin as o
),

near as (
    select
        pt.lat,
        pt.lon,
        pl.place_id,
        sqrt((pt.x - pl.x) ** 2 + (pt.y - pl.y) ** 2) as distance_m
    from point_cells as pt
    inner join place_cells as pl
        on pt.cell_x = pl.cell_x and pl.cell_y between pt.row_y - 1 and pt.row_y + 1
    where distance_m < $place_radius_m
)

select
    lat::double as lat,
    lon::double as lon,
    arg_min(place_id, (distance_m, place_id))::varchar as place_id,
    round(min(distance_m), 1)::double as distance_m
from near
group by lat, lon
order by lat, lon
