"""Code lists and the shares the synthetic population is drawn with."""

from __future__ import annotations

SEX = ("F", "M", "X", "U")
SEX_SHARE = (0.46, 0.5, 0.01, 0.03)

# DfE ethnicity codes in a Kirklees-like mix (a large Pakistani-heritage population).
ETHNICITY = (
    "WBRI",
    "WIRI",
    "WOTH",
    "MWBC",
    "MWBA",
    "MWAS",
    "MOTH",
    "AIND",
    "APKN",
    "ABAN",
    "AOTH",
    "BCRB",
    "BAFR",
    "BOTH",
    "CHNE",
    "OOTH",
    "REFU",
    "NOBT",
)
ETHNICITY_SHARE = (
    60.0,
    0.4,
    3.0,
    3.2,
    0.8,
    1.4,
    1.5,
    4.5,
    15.0,
    0.6,
    1.6,
    1.2,
    1.5,
    0.5,
    0.3,
    1.2,
    0.8,
    2.0,
)

RISK = ("NONE", "LOW", "MEDIUM", "HIGH")
RISK_SHARE = (0.06, 0.46, 0.4, 0.08)

OUTCOMES = ("COMPLETED", "DECLINED", "NO_CONTACT", "NOT_OFFERED")
OUTCOME_SHARE = (0.64, 0.17, 0.09, 0.1)

THEMES = (
    "FAMILY",
    "PEERS",
    "SCHOOL",
    "MENTAL_HEALTH",
    "ALCOHOL",
    "DRUGS",
    "CSE",
    "CCE",
    "ONLINE",
    "HOUSING",
    "ASSAULT",
    "COUNTY_LINES",
    "WEAPON",
    "GANG",
    "TRAFFICKING",
)
THEME_SHARE = (20, 18, 10, 10, 7, 8, 5, 5, 5, 3, 3, 2, 2, 1.5, 0.5)
PUSH = (
    "FAMILY_CONFLICT",
    "PLACEMENT_BREAKDOWN",
    "BOREDOM",
    "BULLYING",
    "SCHOOL_EXCLUSION",
    "MENTAL_HEALTH",
    "SUBSTANCE_USE",
    "HOUSING",
    "RULES_AND_BOUNDARIES",
    "BEREAVEMENT",
)
PUSH_SHARE = (25, 12, 14, 6, 6, 9, 7, 3, 15, 3)
PULL = (
    "FRIENDS",
    "OLDER_ASSOCIATES",
    "PARTNER",
    "GIFTS",
    "DRUGS",
    "ALCOHOL",
    "MONEY",
    "ONLINE_CONTACT",
    "FAMILY_ELSEWHERE",
    "PARTIES",
)
PULL_SHARE = (30, 10, 12, 4, 7, 9, 5, 6, 10, 7)

ROLES = ("SUSPECT", "VICTIM", "WITNESS")
WEAPONS = ("KNIFE", "FIREARM", "OTHER", "NONE")
EXPLOITATION = ("CSE", "CCE", "NONE")

# police.uk crime types as they appear in offences involving young people.
OFFENCE_TYPES = (
    "Anti-social behaviour",
    "Violence and sexual offences",
    "Shoplifting",
    "Criminal damage and arson",
    "Drugs",
    "Public order",
    "Robbery",
    "Theft from the person",
    "Other theft",
    "Burglary",
    "Vehicle crime",
    "Possession of weapons",
    "Bicycle theft",
    "Other crime",
)
OFFENCE_SHARE = (18, 30, 9, 9, 7, 8, 4, 2, 4, 3, 2, 2, 1, 1)
VIOLENCE, WEAPONS_TYPE = 1, 11

ACTION_TYPES = (
    "LICENSING_VISIT",
    "CLOSURE_ORDER",
    "DISPERSAL_ORDER",
    "PATROLS",
    "CCTV",
    "TRAINING",
    "COMMUNITY_PROTECTION_NOTICE",
    "OUTREACH",
)
AGENCIES = ("POLICE", "COUNCIL", "LICENSING", "YOUTH_SERVICE", "EDUCATION", "HEALTH", "VCS")
