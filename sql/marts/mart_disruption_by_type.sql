-- One row per action type: how many actions could be judged and what the review found,
-- on all events together (event_source 'all').
with effects as (
    select * from mart_disruption_effects where event_source = 'all'
),

final as (
    select
        action_type,
        count(*) as actions,
        count(*) filter (where verdict in ('likely_effect', 'likely_increase', 'no_clear_change')) as actions_judged,
        count(*) filter (where verdict <> 'too_few') as actions_with_enough_events,
        median(target_pct_change) filter (where verdict in ('likely_effect', 'likely_increase', 'no_clear_change'))
            as median_target_pct_change,
        median(effect_pct) filter (where verdict in ('likely_effect', 'likely_increase', 'no_clear_change'))
            as median_effect_pct,
        count(*) filter (where verdict = 'likely_effect') as likely_effect,
        count(*) filter (where verdict = 'no_clear_change') as no_clear_change,
        count(*) filter (where verdict = 'likely_increase') as likely_increase,
        count(*) filter (where verdict = 'too_few') as too_few,
        count(*) filter (where verdict in ('outside_data', 'no_comparison')) as not_comparable
    from effects
    group by action_type
)

select * from final order by action_type
