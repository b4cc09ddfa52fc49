"""``ssd_person`` of the Standard Safeguarding Dataset (Data to Insight ``ssd-data-model``).

Only the person id (pseudonymised), sex, ethnicity and date of birth are read, into the
temporary table ``stg_ssd_people`` that SSD missing episodes look up (the date of birth
becomes an age there and is dropped). Names, UPNs and the other columns are never read,
and the file is never cached (it holds dates of birth).
"""

from __future__ import annotations

from pipelines.ingest import checks
from pipelines.ingest.source import Source
from pipelines.ingest.staging import source_cte
from pipelines.pseudonym import sql_expr


def select(source: Source) -> str:
    """The staging SELECT of one ssd_person file."""
    rejects = [
        *checks.generic(source),
        *checks.required("pers_person_id"),
        checks.date("pers_dob", "dob"),
        checks.code("pers_sex", "cm_sex(pers_sex) is not null", ["M", "F", "U", "I"]),
        checks.code("pers_ethnicity", "cm_ethnic_group(pers_ethnicity) is not null", ["a DfE ethnicity code"]),
        checks.duplicate("pers_person_id", "duplicate pers_person_id within the file (the first row was kept)"),
    ]
    return f"""with {source_cte(source)},

typed as (
    select
        *,
        cast(cm_ts(pers_dob) as date) as dob,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        {checks.dup_join(["pers_person_id"])}
)

select
    {sql_expr("pers_person_id")} as person_key,
    coalesce(cm_sex(pers_sex), 'U') as sex,
    upper(pers_ethnicity) as ethnicity,
    dob,
    _row,
    null::date as _date,
    0 as _unresolved,
    []::varchar[] as _unresolved_districts,
    {checks.errs(source, rejects)}
from typed
"""


SOURCE = Source(
    name="ssd_person",
    file_name="ssd_person",
    signature=frozenset({"pers_person_id"}),
    columns=("pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob"),
    required=("pers_person_id",),
    select=select,
    staging="stg_ssd_people",
    target="stg_ssd_people",
    key="person_key",
    private=frozenset({"pers_person_id", "pers_dob"}),
    cacheable=False,
)
