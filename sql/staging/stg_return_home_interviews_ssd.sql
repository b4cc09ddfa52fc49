-- Rows of stg_return_home_interviews made from the accepted rows of one ssd missing file
-- (staged: the rows stg_missing_episodes_ssd.sql staged).
-- Generated from pipelines/ingest/sources/ssd_missing.py by `python -m pipelines.ingest.generate`;
-- do not edit.
-- $ipad: the pseudonymisation key's inner pad (pipelines/pseudonym.py; the key never enters SQL text).
-- $opad: the pseudonymisation key's outer pad.
select
    left(sha256($opad::blob || unhex(sha256($ipad::blob || encode('ssd_missing_rhi:' || episode_key)))), 16) as rhi_key,
    episode_key,
    null::timestamp as offered_at,
    null::timestamp as completed_at,
    case
        when _offered and _accepted then 'COMPLETED'
        when _offered and not _accepted then 'DECLINED'
        when not _offered then 'NOT_OFFERED'
    end as outcome,
    []::varchar[] as themes,
    []::varchar[] as push_factors,
    []::varchar[] as pull_factors,
    []::varchar[] as places_mentioned,
    []::varchar[] as sectors_mentioned,
    []::varchar[] as lsoas_mentioned,
    []::varchar[] as associate_keys,
    false as has_times,
    'ssd' as source_system,
    _row
from staged
-- Acceptance not recorded: no RHI record (the file's notes count these).
where len(_errs) = 0 and _offered is not null and not (_offered and _accepted is null)
