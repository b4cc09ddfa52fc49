-- Children missing per month, at the grain the pages filter by: distinct children cannot
-- be summed across cells, so the pages count distinct person_key over these rows (one
-- per child, month and cell; far fewer than episodes for children missing repeatedly).
with rhi_themes as (
    select episode_key, list_distinct(flatten(list(themes))) as themes
    from stg_return_home_interviews
    group by episode_key
),

episodes as (
    select e.*, coalesce(t.themes, []) as themes
    from int_episodes as e
    left join rhi_themes as t using (episode_key)
),

final as (
    select
        start_month as month,
        person_key,
        -- The child's record key (cell-key perturbation of distinct children).
        person_rkey,
        owner_code,
        locality,
        age_band,
        sex,
        coalesce(is_looked_after, false) as is_looked_after,
        count(*) as episodes,
        -- Repeat missing as int_episodes decides it ([repeat_missing] in contextmap.toml).
        bool_or(is_repeat) as is_repeat,
        list_sort(list_distinct(flatten(list(
            case when array_length(themes) = 0 then ['No theme recorded'] else themes end
        )))) as themes
    from episodes
    group by all
)

select * from final order by all
