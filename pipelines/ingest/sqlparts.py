"""SQL building blocks for parsing contract values: text, dates, flags, codes, postcodes.

They are installed as TEMP macros (never stored in the database file). Values are
parsed in DuckDB over whole columns, never row by row in Python.
"""

from __future__ import annotations

import duckdb

# Dates are ISO 8601 (YYYY-MM-DD, optional T or space and HH:MM[:SS[.fff]], optional Z) or
# UK day-first (D/M/YYYY with / - or . and an optional HH:MM[:SS]). Month-first is never
# tried when parsing; MONTH_FIRST_FORMATS only explain a reject. (Dispatching on the
# shape with one fixed format per branch is ten times faster than a list of formats.)
MONTH_FIRST_FORMATS = ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m-%d-%Y", "%m-%d-%Y %H:%M"]

TRUE_WORDS = ("Y", "YES", "TRUE", "T", "1", "1.0")
FALSE_WORDS = ("N", "NO", "FALSE", "F", "0", "0.0")

SEX_CODES = {"F": "F", "FEMALE": "F", "GIRL": "F", "M": "M", "MALE": "M", "BOY": "M", "X": "X", "OTHER": "X",
             "I": "X", "INDETERMINATE": "X", "NEITHER": "X", "U": "U", "UNKNOWN": "U", "NOT KNOWN": "U",
             "NOT STATED": "U", "NOT RECORDED": "U"}
# DfE / ONS ethnicity codes (children's services returns) and their group.
ETHNICITY = {
    "WBRI": "White", "WIRI": "White", "WIRT": "White", "WOTH": "White", "WROM": "White",
    "MWBC": "Mixed", "MWBA": "Mixed", "MWAS": "Mixed", "MOTH": "Mixed",
    "AIND": "Asian", "APKN": "Asian", "ABAN": "Asian", "AOTH": "Asian", "CHNE": "Asian",
    "BCRB": "Black", "BAFR": "Black", "BOTH": "Black",
    "OOTH": "Other", "OARA": "Other",
    "REFU": "Unknown", "NOBT": "Unknown",
}
RISK_LEVELS = ("NONE", "LOW", "MEDIUM", "HIGH")
EPISODE_TYPES = {"MISSING": "MISSING", "M": "MISSING", "AWAY": "AWAY", "A": "AWAY", "ABSENT": "AWAY"}
RHI_OUTCOMES = ("COMPLETED", "DECLINED", "NO_CONTACT", "NOT_OFFERED")
THEMES = ("CSE", "CCE", "COUNTY_LINES", "DRUGS", "ALCOHOL", "PEERS", "FAMILY", "SCHOOL", "ONLINE", "ASSAULT",
          "WEAPON", "GANG", "TRAFFICKING", "HOUSING", "MENTAL_HEALTH")
ROLES = ("SUSPECT", "VICTIM", "WITNESS")
WEAPONS = ("KNIFE", "FIREARM", "OTHER", "NONE")
EXPLOITATION = ("CSE", "CCE", "NONE")
PLACE_CATEGORIES = ("HOTEL", "TAXI", "TAKEAWAY", "SHOP", "PARK", "TRANSPORT_HUB", "SCHOOL", "YOUTH_VENUE",
                    "LICENSED_PREMISES", "RESIDENTIAL_AREA", "OTHER")
AGENCIES = ("POLICE", "COUNCIL", "LICENSING", "YOUTH_SERVICE", "EDUCATION", "HEALTH", "VCS")
# Open vocabularies: the contract allows other codes, which are kept only as OTHER (the code
# itself could be free text, so it is never stored).
PUSH_FACTORS = ("FAMILY_CONFLICT", "BOREDOM", "RULES_AND_BOUNDARIES", "PLACEMENT_BREAKDOWN", "SUBSTANCE_USE",
                "MENTAL_HEALTH", "BULLYING", "SCHOOL_EXCLUSION", "BEREAVEMENT", "HOUSING", "DOMESTIC_ABUSE", "NEGLECT",
                "ISOLATION", "OTHER")
PULL_FACTORS = ("FRIENDS", "PARTNER", "OLDER_ASSOCIATES", "FAMILY_ELSEWHERE", "ALCOHOL", "ONLINE_CONTACT", "DRUGS",
                "PARTIES", "MONEY", "GIFTS", "EXPLOITATION", "GANG", "RELATIONSHIP", "OTHER")
ACTION_TYPES = ("LICENSING_VISIT", "CLOSURE_ORDER", "DISPERSAL_ORDER", "PATROLS", "CCTV", "TRAINING",
                "COMMUNITY_PROTECTION_NOTICE", "OUTREACH", "OTHER")
# police.uk crime types, and Home Office offence groups mapped onto them.
POLICE_UK_TYPES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other theft",
    "Possession of weapons", "Public order", "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
    "Violence and sexual offences", "Other crime",
)
OFFENCE_GROUP_SYNONYMS = {
    "violence against the person": "Violence and sexual offences",
    "sexual offences": "Violence and sexual offences",
    "violence": "Violence and sexual offences",
    "drug offences": "Drugs",
    "possession of weapons offences": "Possession of weapons",
    "public order offences": "Public order",
    "theft offences": "Other theft",
    "miscellaneous crimes against society": "Other crime",
    "asb": "Anti-social behaviour",
    "anti social behaviour": "Anti-social behaviour",
}
# Offence types kept as written when they name a police.uk crime type or a Home Office
# offence group (in their usual spelling); anything else is stored as "Other crime".
OFFENCE_TYPES = {**{k: k[0].upper() + k[1:] for k in OFFENCE_GROUP_SYNONYMS if k not in ("asb", "anti social behaviour")},
                 **{t.lower(): t for t in POLICE_UK_TYPES}, "asb": "Anti-social behaviour",
                 "anti social behaviour": "Anti-social behaviour"}
# Bidirectional controls reorder how text reads on screen ("Trojan Source"); never kept.
BIDI_CLASS = "[\u202a-\u202e\u2066-\u2069]"
# What kept free text (place names) must not carry: dates, long digit runs (NHS and phone
# numbers), full postcodes and email addresses are cut out.
IDENTIFIER_PATTERNS = (r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b", r"\d(?:[ _-]?\d){5,}",
                       r"[A-Za-z]{1,2}\d[A-Za-z0-9]?[ _-]?\d[A-Za-z]{2}\b", r"\S+@\S+")
MASK_LENGTH = 40
POSTCODE_RE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
# A code as written: up to three words of letters, digits, _ or -, at most 40 characters.
CODE_TOKEN = r"(length(t) <= 40 and regexp_full_match(t, '[A-Za-z0-9_\-]+( [A-Za-z0-9_\-]+){0,2}'))"
# Bounding box of Great Britain and Northern Ireland, for sanity checks of points.
LAT_RANGE = (49.8, 60.9)
LON_RANGE = (-8.7, 1.8)
MAX_AGE = 25
# sqlfluff's max_line_length (.sqlfluff): the generated staging SQL keeps within it.
LINE_LENGTH = 120


def sql_list(values, indent: str | None = None) -> str:
    """SQL list literal of constant codes from this module; with ``indent`` (that of the
    line it starts on), its codes on lines of their own, for staging SQL within sqlfluff's
    line length."""
    codes = ["'" + v.replace("'", "''") + "'" for v in values]
    if indent is None:
        return "[" + ", ".join(codes) + "]"
    return f"[\n{wrap(codes, indent + '    ')}\n{indent}]"


def wrap(items: list[str], indent: str, width: int = LINE_LENGTH) -> str:
    """``items`` separated by commas, on as few lines starting with ``indent`` as fit ``width``."""
    lines, line = [], ""
    for item in items:
        if line and len(indent) + len(line) + len(item) + 3 > width:
            lines.append(line + ",")
            line = ""
        line += (", " if line else "") + item
    lines.append(line)
    return "\n".join(indent + line for line in lines)


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temp macros and lookup tables the staging SQL uses."""
    ws = "' \t\r\n' || chr(160)"
    groups = {**{k.lower(): v for k, v in OFFENCE_GROUP_SYNONYMS.items()}, **{t.lower(): t for t in POLICE_UK_TYPES}}
    con.execute(f"""
        -- Trimming a character set is slow, so it is done only where such a character occurs.
        create or replace temp macro cm_s(x) as nullif(case
            when contains(x, chr(9)) or contains(x, chr(10)) or contains(x, chr(13)) or contains(x, chr(160))
            then trim(x::varchar, {ws}) else trim(x::varchar) end, '');
        create or replace temp macro cm_ts_dayfirst(y) as case
            when not contains(y, ':') then try_strptime(y, '%d/%m/%Y')
            when length(y) - length(replace(y, ':', '')) = 1 then try_strptime(y, '%d/%m/%Y %H:%M')
            else try_strptime(y, '%d/%m/%Y %H:%M:%S') end;
        create or replace temp macro cm_ts(x) as case
            when x is null then null
            when substr(x, 5, 1) = '-' then try_cast(replace(rtrim(x, 'Zz'), 'T', ' ') as timestamp)
            else cm_ts_dayfirst(replace(replace(x, '-', '/'), '.', '/')) end;
        create or replace temp macro cm_monthfirst(x) as
            cm_ts(x) is null and try_strptime(x, {sql_list(MONTH_FIRST_FORMATS)}) is not null;
        create or replace temp macro cm_month(x) as case
            when length(x) = 7 and substr(x, 5, 1) = '-' then try_strptime(x, '%Y-%m') else cm_ts(x) end;
        create or replace temp macro cm_date_reason(x, name) as case
            when cm_monthfirst(x) then name || ' looks month-first (US style); dates must be day-first DD/MM/YYYY or ISO YYYY-MM-DD'
            else name || ' is not a date (expected DD/MM/YYYY, YYYY-MM-DD or with a time HH:MM)' end;
        create or replace temp macro cm_flag(x) as case
            when upper(x) in {tuple(TRUE_WORDS)} then true when upper(x) in {tuple(FALSE_WORDS)} then false end;
        create or replace temp macro cm_flag_bad(x) as x is not null and cm_flag(x) is null;
        create or replace temp macro cm_num(x) as try_cast(replace(x, ',', '') as double);
        create or replace temp macro cm_int_bad(x) as x is not null
            and (cm_num(x) is null or cm_num(x) <> floor(cm_num(x)));
        create or replace temp macro cm_pc(x) as nullif(upper(regexp_replace(x, '[^A-Za-z0-9]', '', 'g')), '');
        create or replace temp macro cm_pc_ok(p) as regexp_full_match(p, '{POSTCODE_RE}');
        create or replace temp macro cm_pc_district(p) as case when cm_pc_ok(p) then left(p, length(p) - 3) end;
        create or replace temp macro cm_pc_sector(p) as
            case when cm_pc_ok(p) then left(p, length(p) - 3) || ' ' || substr(p, length(p) - 2, 1) end;
        create or replace temp macro cm_code(x) as upper(regexp_replace(trim(x), '[\\s\\-]+', '_', 'g'));
        create or replace temp macro cm_list(x) as
            coalesce(list_distinct(list_filter(list_transform(string_split(x, ';'), lambda t: cm_s(t)), lambda t: t is not null)), []);
        create or replace temp macro cm_code_ok(t) as {CODE_TOKEN};
        create or replace temp macro cm_code_list(x) as list_sort(list_transform(cm_list(x), lambda t: cm_code(t)));
        create or replace temp macro cm_age_band(a) as case
            when a is null then 'Unknown' when a < 10 then 'Under 10' when a <= 13 then '10-13'
            when a <= 15 then '14-15' when a <= 17 then '16-17' else '18+' end;
        create or replace temp macro cm_sex(x) as case
            when x is null then 'U' else map_extract({sql_map(SEX_CODES)}, upper(x))[1] end;
        create or replace temp macro cm_ethnic_group(x) as case
            when x is null then 'Unknown' else map_extract({sql_map(ETHNICITY)}, upper(x))[1] end;
        create or replace temp macro cm_offence_group(x) as
            coalesce(map_extract({sql_map(groups)}, lower(x))[1], 'Other crime');
        create or replace temp macro cm_lat_bad(x) as x is not null and (cm_num(x) is null or cm_num(x) not between {LAT_RANGE[0]} and {LAT_RANGE[1]});
        create or replace temp macro cm_lon_bad(x) as x is not null and (cm_num(x) is null or cm_num(x) not between {LON_RANGE[0]} and {LON_RANGE[1]});
        -- Kept free text (place names): no tags, no leading formula character, no bidirectional
        -- controls, no identifier-shaped runs (see IDENTIFIER_PATTERNS), one line, cut to n.
        create or replace temp macro cm_clean_text(x, n) as left(trim(regexp_replace(regexp_replace(regexp_replace(
            regexp_replace(regexp_replace(x, '<[^>]*>', ' ', 'g'), '{"|".join(IDENTIFIER_PATTERNS)}', ' ', 'g'),
            '{BIDI_CLASS}', '', 'g'), '^[=+\\-@\\s]+', ''), '\\s+', ' ', 'g')), n);
        -- A rejected value as its shape only (Aaaa Aaa 99/99/9999): what kind of mistake, never the text.
        create or replace temp macro cm_mask(x) as case when x is null then null else regexp_replace(regexp_replace(
            regexp_replace(left(x, {MASK_LENGTH}), '[\\p{{Ll}}\\p{{Lt}}\\p{{Lm}}\\p{{Lo}}]', 'a', 'g'), '\\p{{Lu}}', 'A', 'g'),
            '\\p{{N}}', '9', 'g')
            || case when length(x) > {MASK_LENGTH} then '…' else '' end end;
        create or replace temp macro cm_offence_type(x) as
            coalesce(map_extract({sql_map(OFFENCE_TYPES)}, lower(x))[1], 'Other crime');
        create or replace temp macro cm_open_code(t, known) as case when list_contains(known, t) then t else 'OTHER' end;
        create or replace temp macro cm_open_codes(x, known) as
            list_sort(list_distinct(list_transform(cm_list(x), lambda t: cm_open_code(cm_code(t), known))));
        -- Text precision of a date-time: 2 with seconds, 1 with minutes, 0 a date only.
        create or replace temp macro cm_precision(x) as case
            when regexp_matches(x, '\\d:\\d\\d:\\d') then 2 when contains(x, ':') then 1 else 0 end;
        -- a before b, compared at the coarser precision of the two texts (09:43 is not before 09:43:23).
        create or replace temp macro cm_before(a, a_text, b, b_text) as
            date_trunc(['day', 'minute', 'second'][least(cm_precision(a_text), cm_precision(b_text)) + 1], a)
            < date_trunc(['day', 'minute', 'second'][least(cm_precision(a_text), cm_precision(b_text)) + 1], b);
    """)


def sql_map(mapping: dict[str, str]) -> str:
    """SQL map literal of a constant code table from this module."""
    keys = sql_list(mapping.keys())
    values = sql_list(mapping.values())
    return f"map({keys}, {values})"


def in_list(expr: str, values, indent: str = "        ") -> str:
    """SQL: ``expr`` is one of ``values`` (constant codes from this module); when long, the
    codes on lines of their own after a line starting with ``indent`` (a check's, see
    ``checks.errs``)."""
    codes = [repr(v) for v in values]
    short = f"{expr} in ({', '.join(codes)})"
    if len(short) <= 60:
        return short
    return f"{expr} in (\n{wrap(codes, indent + '    ')}\n{indent})"
