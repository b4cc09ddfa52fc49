"""Who may see what: roles, the pages and capabilities each has, and how users sign in.

Roles (least privilege; the dashboard builds its page list from :func:`pages_for` and
every page checks :func:`require` again on the server):

- ``strategic``: aggregate pages only, every figure suppressed.
- ``analyst``: the strategic pages plus pseudonymised drill-down (episodes, group
  membership), each view justified and audit-logged, for follow-up through the data
  controller who holds the pseudonymisation key.
- ``partner``: place and area level only (map, places, postcodes, disruption), e.g.
  licensing or community safety partners.
- ``admin``: data quality and the audit log.

Scope (a force-wide build, ``[geography] councils`` with several councils): each user
also has a scope, the whole build (the default) or one council. A council user counts
only their council's own records (:func:`scope_param`); the scope comes from sign-in,
like the role, never from the URL or the sidebar (SECURITY.md, "What each scope sees").

Sign-in: OpenID Connect (Streamlit's ``st.login``) with a role map file outside the
repository, or local accounts with argon2 hashes in a file outside the repository
(``python -m contextmap.auth add-user NAME --role ROLE [--council CODE]``). There is no
default password.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import threading
import time
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from contextmap import settings
from contextmap.filters import WHOLE

ROLES = ("strategic", "analyst", "partner", "admin")
ROLE_HELP = (
    "Strategic: aggregate figures only, small numbers suppressed. "
    "Analyst: the same plus pseudonymised drill-down, each view justified and logged. "
    "Partner: place and area level only (map, places, postcodes, disruption). "
    "Admin: data quality and the audit log."
)

_AGGREGATE_PAGES = (
    "overview", "trends", "rhi", "map", "places", "postcodes", "groups", "disproportionality", "disruption",
)
_PAGES = {
    "strategic": _AGGREGATE_PAGES,
    "analyst": _AGGREGATE_PAGES,
    "partner": ("map", "places", "postcodes", "disruption"),
    "admin": ("overview", "data_quality", "audit"),
}
CAPABILITIES = {
    # Pseudonymised rows (episodes, group members) behind a justification.
    "drilldown": frozenset({"analyst"}),
    # Pseudonyms visible at all (person_key, episode_key, group membership).
    "see_pseudonyms": frozenset({"analyst"}),
    # Suppressed aggregate tables as CSV, with justification and recipient.
    "export": frozenset({"strategic", "analyst", "partner"}),
}
USERS_ENV = "CONTEXTMAP_USERS_FILE"
ROLE_MAP_ENV = "CONTEXTMAP_ROLE_MAP"
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
MIN_PASSWORD = 12


# What a council-scoped user may open: the pages whose every query filters by scope
# (sql/queries read $scope). The others count every council's records, so they stay
# closed to a council scope until they do; contextmap.queries refuses them too.
COUNCIL_PAGES = ("overview", "trends", "rhi", "map", "places", "postcodes", "groups", "disproportionality", "disruption")


class AccessDenied(PermissionError):
    """The role may not open this page or use this capability."""


@dataclass(frozen=True)
class User:
    """A signed-in user: a display name (email or account name), one role and a scope:
    ``council`` is None for the whole build, else the ONS code of one council."""

    name: str
    role: str
    council: str | None = None


def pages_for(role: str, council: str | None = None) -> list[str]:
    """Page ids ``role`` may open (an unknown role gets none); a council scope gets only
    :data:`COUNCIL_PAGES` of them."""
    pages = list(_PAGES.get(role, ()))
    return pages if council is None else [p for p in pages if p in COUNCIL_PAGES]


def scope_param(user: User) -> str:
    """The ``$scope`` every dashboard query is given for ``user``: their council's code, or
    :data:`WHOLE` for the whole build."""
    return user.council or WHOLE


def build_councils() -> dict[str, str]:
    """Every council of the build, code → name (``[geography] councils``; one in a one-council build)."""
    return dict(_read_councils(str(settings.current().geography.councils)))


def councils() -> dict[str, str]:
    """The councils a user may be scoped to, code → name: those of ``[geography] councils``
    other than the deployment itself (none in a single-council build)."""
    found = build_councils()
    found.pop(settings.current().geography.la_code, None)
    return found if len(found) > 1 else {}


@lru_cache(maxsize=4)
def _read_councils(path: str) -> tuple[tuple[str, str], ...]:
    # Read once per settings file (like the settings): pages ask on every render.
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return tuple({r["council_code"].strip(): r["council_name"].strip() for r in csv.DictReader(fh)}.items())


def check_council(council: str | None) -> str | None:
    """``council`` when it is a council of this deployment (or None, the whole build);
    raises ValueError with a plain message otherwise."""
    if council is None or council == settings.current().geography.la_code:
        return None
    known = councils()
    if council not in known:
        listed = ", ".join(f"{code} ({name})" for code, name in sorted(known.items())) or "none: one council only"
        raise ValueError(f"{council!r} is not a council of {settings.current().geography.name}; "
                         f"councils: {listed}")
    return council


def can(role: str, capability: str) -> bool:
    """Whether ``role`` has ``capability`` ('drilldown', 'export' or 'see_pseudonyms')."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}; choose from {sorted(CAPABILITIES)}")
    return role in CAPABILITIES[capability]


def require(role: str, page_id: str, council: str | None = None) -> None:
    """Raise :class:`AccessDenied` unless ``role`` (in ``council``'s scope) may open ``page_id``."""
    if page_id not in pages_for(role, council):
        raise AccessDenied(f"role {role!r} may not open {page_id!r}")


# --- OpenID Connect --------------------------------------------------------------------


def _read_mapping(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)


def role_map_path() -> Path | None:
    """The role map file: ``CONTEXTMAP_ROLE_MAP`` or ``[auth] role_map`` (None when unset)."""
    env = os.environ.get(ROLE_MAP_ENV)
    if env:
        return Path(env)
    return settings.current().auth.role_map


def load_role_map(path: Path | None = None) -> dict:
    """Read the role map (TOML or JSON) kept outside the repository.

    Format::

        groups_claim = "groups"          # which claim lists the user's groups
        [emails]
        "jo.bloggs@council.gov.uk" = "analyst"
        "sam@kirklees.gov.uk" = {role = "analyst", council = "E08000034"}
        [groups]
        "contextmap-strategic" = "strategic"

    A plain role is the whole build; a table also names the user's council (its scope).
    An email entry wins over groups; among groups, the first listed in the file that the
    user belongs to wins. A missing file gives an empty map: nobody gets a role.
    """
    path = path or role_map_path()
    if path is None or not path.exists():
        return {"emails": {}, "groups": {}, "groups_claim": "groups"}
    data = _read_mapping(path)
    emails = {str(k).strip().lower(): _grant(v, path) for k, v in data.get("emails", {}).items()}
    groups = {str(k): _grant(v, path) for k, v in data.get("groups", {}).items()}
    return {"emails": emails, "groups": groups, "groups_claim": data.get("groups_claim", "groups")}


def _grant(value, path: Path) -> tuple[str, str | None]:
    """A role map value as (role, council), checked: a role string, or {role, council}."""
    role, council = (value.get("role"), value.get("council")) if isinstance(value, dict) else (value, None)
    if role not in ROLES:
        raise ValueError(f"{path}: unknown role {role!r}; choose from {', '.join(ROLES)}")
    try:
        return role, check_council(council)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def grant_from_claims(claims: dict, role_map: dict) -> tuple[str, str | None] | None:
    """The (role, council) for an identity provider's claims, or None when the user has none.

    Emails count only when the provider has not said they are unverified.
    """
    email = str(claims.get("email") or "").strip().lower()
    if email and claims.get("email_verified", True) is not False:
        grant = role_map.get("emails", {}).get(email)
        if grant:
            return grant
    member_of = claims.get(role_map.get("groups_claim", "groups")) or []
    if isinstance(member_of, str):
        member_of = [member_of]
    member_of = {str(g) for g in member_of}
    for group, grant in role_map.get("groups", {}).items():
        if group in member_of:
            return grant
    return None


def role_from_claims(claims: dict, role_map: dict) -> str | None:
    """The role for an identity provider's claims (:func:`grant_from_claims` without the scope)."""
    grant = grant_from_claims(claims, role_map)
    return grant[0] if grant else None


def secrets_files() -> list[Path]:
    """Where Streamlit looks for ``secrets.toml`` (the user's, then the app's folder)."""
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml",
            settings.ROOT / ".streamlit" / "secrets.toml"]


def oidc_configured() -> bool:
    """Whether a ``secrets.toml`` holds an ``[auth]`` section (OpenID Connect sign-in)."""
    for path in secrets_files():
        try:
            if "auth" in tomllib.loads(path.read_text(encoding="utf-8")):
                return True
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return False


def sign_in_configured() -> bool:
    """Whether any real sign-in is set up: a users file, a role map, or OpenID Connect.

    A demo build (no password) is never made or served where this is true.
    """
    return bool(users_file() or role_map_path() or oidc_configured())


# --- local accounts --------------------------------------------------------------------


def users_file() -> Path | None:
    """The local accounts file named by ``CONTEXTMAP_USERS_FILE`` (None when unset)."""
    env = os.environ.get(USERS_ENV)
    return Path(env) if env else None


def _load_users(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    return dict(_read_mapping(path).get("users", {}))


def local_users_configured() -> bool:
    """Whether a local accounts file is configured and holds at least one user."""
    path = users_file()
    return bool(path and _load_users(path))


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the name is unknown, so both cases take the same time.
    return _hasher().hash(secrets.token_hex(16))


def verify_local(name: str, password: str, path: Path | None = None) -> User | None:
    """The user when ``password`` matches the stored argon2 hash, else None."""
    from argon2.exceptions import InvalidHashError, VerificationError

    path = path or users_file()
    users = _load_users(path) if path else {}
    entry = users.get(name or "")
    stored = entry.get("hash", _dummy_hash()) if entry else _dummy_hash()
    try:
        ok = _hasher().verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or not entry or not password or entry.get("role") not in ROLES:
        return None
    try:
        council = check_council(entry.get("council"))
    except ValueError:
        return None  # a council this deployment does not have: no access rather than the whole build
    return User(name=name, role=entry["role"], council=council)


# Failed local sign-ins: each failure waits longer (1, 2, 4… seconds, at most 8), and after
# MAX_FAILURES in a row an account name is locked for LOCKOUT_SECONDS (success resets it).
MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 8.0
# Per-process key for referring to unknown user names in the audit log without storing them.
_NAME_REF_KEY = secrets.token_bytes(32)


class SignInThrottle:
    """Failed sign-ins per account name (kept only as a hash): a growing delay, then a lockout."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}  # name hash → (failures in a row, time of the last)

    @staticmethod
    def _slot(name: str) -> str:
        return hashlib.sha256((name or "").strip().lower().encode()).hexdigest()

    def locked_for(self, name: str) -> float:
        """Seconds until ``name`` may try again (0 when it is not locked)."""
        with self._lock:
            count, last = self._failures.get(self._slot(name), (0, 0.0))
        if count < MAX_FAILURES:
            return 0.0
        return max(0.0, last + LOCKOUT_SECONDS - self._clock())

    def failed(self, name: str) -> float:
        """Record a failure; return the delay (seconds) before answering."""
        slot = self._slot(name)
        with self._lock:
            count, last = self._failures.get(slot, (0, 0.0))
            if count >= MAX_FAILURES and self._clock() - last >= LOCKOUT_SECONDS:
                count = 0  # the lockout has passed: start counting again
            self._failures[slot] = (count + 1, self._clock())
        return min(MAX_DELAY_SECONDS, 2.0 ** count)

    def succeeded(self, name: str) -> None:
        """Forget the failures of ``name``."""
        with self._lock:
            self._failures.pop(self._slot(name), None)


THROTTLE = SignInThrottle()


@dataclass(frozen=True)
class Attempt:
    """The outcome of one local sign-in: the user (None on failure) and what to log and say."""

    user: User | None
    log_name: str  # the account name when it exists; otherwise a reference, never the typed text
    method: str  # 'local', 'local-failed' or 'local-locked'
    message: str
    delay: float = 0.0


def name_for_log(name: str, path: Path | None = None) -> str:
    """``name`` when it is an account; otherwise a keyed reference (a mistyped password is never stored)."""
    path = path or users_file()
    if name and path and name in _load_users(path):
        return name
    ref = hmac.new(_NAME_REF_KEY, (name or "").encode(), hashlib.sha256).hexdigest()[:8]
    return f"(unknown user, ref {ref})" if name else "(blank)"


def sign_in_local(name: str, password: str, path: Path | None = None, throttle: SignInThrottle = THROTTLE) -> Attempt:
    """Check a local sign-in through the throttle: locked names are refused without checking."""
    wait = throttle.locked_for(name)
    if wait:
        return Attempt(None, name_for_log(name, path), "local-locked",
                       f"Too many failed sign-ins for this user name: try again in {max(1, round(wait / 60))} minutes.")
    user = verify_local(name, password, path)
    if user:
        throttle.succeeded(name)
        return Attempt(user, user.name, "local", "")
    delay = throttle.failed(name)
    return Attempt(None, name_for_log(name, path), "local-failed", "User name or password not recognised.", delay)


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def _write_users(path: Path, users: dict[str, dict]) -> None:
    if path.suffix.lower() == ".json":
        text = json.dumps({"users": users}, indent=2) + "\n"
    else:
        blocks = ["# ContextMap local accounts (argon2 hashes). Keep outside the repository; mode 600.\n"]
        for name, entry in sorted(users.items()):
            council = f"council = {_toml_str(entry['council'])}\n" if entry.get("council") else ""
            blocks.append(f"\n[users.{_toml_str(name)}]\nrole = {_toml_str(entry['role'])}\n{council}"
                          f"hash = {_toml_str(entry['hash'])}\n")
        text = "".join(blocks)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def add_user(path: Path, name: str, role: str, password: str, council: str | None = None) -> None:
    """Add or replace a local account, storing only an argon2 hash of ``password``;
    ``council`` scopes it to one council of the deployment (None: the whole build)."""
    if not _NAME.match(name):
        raise ValueError("user names are 1 to 64 letters, digits, dots, @, _ or -")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    council = check_council(council)
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"passwords must be at least {MIN_PASSWORD} characters")
    if path.resolve().is_relative_to(settings.ROOT):
        raise ValueError(f"keep the users file outside the repository ({settings.ROOT})")
    users = _load_users(path)
    users[name] = {"role": role, "hash": _hasher().hash(password), **({"council": council} if council else {})}
    _write_users(path, users)


def remove_user(path: Path, name: str) -> bool:
    """Remove a local account; False when there was none of that name."""
    users = _load_users(path)
    if users.pop(name, None) is None:
        return False
    _write_users(path, users)
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m contextmap.auth add-user NAME --role ROLE [--council CODE]`` (prompts for the password)."""
    parser = argparse.ArgumentParser(prog="python -m contextmap.auth", description="Manage local ContextMap accounts.")
    parser.add_argument("--file", type=Path, help=f"accounts file (default: ${USERS_ENV})")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-user", help="add or replace an account (prompts for the password)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--council", help="scope the account to one council (its ONS code); default: the whole build")
    remove = sub.add_parser("remove-user", help="remove an account")
    remove.add_argument("name")
    sub.add_parser("list-users", help="list accounts and roles (never hashes)")
    args = parser.parse_args(argv)
    path = args.file or users_file()
    if path is None:
        parser.error(f"set {USERS_ENV} or pass --file")
    try:
        if args.command == "add-user":
            password = getpass.getpass(f"Password for {args.name}: ")
            if password != getpass.getpass("Again: "):
                print("The passwords did not match; nothing was changed.", file=sys.stderr)
                return 1
            add_user(path, args.name, args.role, password, args.council)
            scope = f", council {args.council}" if check_council(args.council) else ""
            print(f"Saved {args.name} ({args.role}{scope}) in {path}.")
        elif args.command == "remove-user":
            print(f"Removed {args.name}." if remove_user(path, args.name) else f"No user called {args.name}.")
        else:
            for name, entry in sorted(_load_users(path).items()):
                print(f"{name}\t{entry.get('role')}\t{entry.get('council') or 'whole build'}")
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
