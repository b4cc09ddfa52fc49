"""Keyed pseudonyms: every input identifier is replaced at the door by an HMAC-SHA256.

``person_key`` is the first 16 hex characters of HMAC-SHA256(key, person_id.strip()), so
the key holder can recompute a child's pseudonym from a case number and the same child
links across files. Other ids use the table name as a prefix (``key_for``) so an episode
id and a person id that happen to be equal do not collide.

Each data owner's files are pseudonymised with that owner's own key (``ingest/owners.py``
says who owns a file): a force-wide build holds five councils' children and the force's
offences, and no council can link another's children by pseudonym. A build with one
owner (a single council, as before) takes its key from ``CONTEXTMAP_PSEUDONYM_KEY`` or
the file named by ``CONTEXTMAP_PSEUDONYM_KEY_FILE`` (a secrets file outside the
repository); a build with several takes ``<ONS code>.key`` of each from the folder named
by ``CONTEXTMAP_PSEUDONYM_KEY_DIR``. Every key is at least 32 random bytes written as hex
or base64 (:func:`check_key` refuses anything weaker), and no two owners share one.

The demo key below is public. It is used only for a demo build: when every file the build
would load is one of the shipped synthetic samples' files (their SHA-256 hashes are
recorded in ``data/sample/SHA256SUMS`` and, for the force-wide sample,
``data/sample_force/SHA256SUMS``), or when the build is asked for one explicitly
(``--demo``, for other synthetic data), which is refused while a real key or sign-in is
configured. The deployment's own files get the demo key itself and each other owner a
public key derived from it (:func:`demo_key`), so the demo shows the separation.
Anything else needs real keys, whatever the input folder holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from contextmap.settings import ROOT

DEMO_KEY: bytes = b"CONTEXTMAP-DEMO-KEY-PUBLIC-SYNTHETIC-SAMPLE-ONLY"
SAMPLE_MANIFEST = ROOT / "data" / "sample" / "SHA256SUMS"
# The West Yorkshire force-wide sample (python -m pipelines.sample --force) is shipped synthetic data too.
FORCE_SAMPLE_MANIFEST = ROOT / "data" / "sample_force" / "SHA256SUMS"
MIN_KEY_BYTES = 32
_BLOCK = 64  # SHA-256 block size
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
# Bits per character a random key of each alphabet comfortably exceeds (hex at most 4, base64 at most 6).
_MIN_ENTROPY = {"hex": 3.0, "base64": 4.0}
# Words that turn up in made-up keys (a random base64 key holds one about once in 20,000).
_WORDS = ("pass", "word", "secret", "admin", "contextmap", "council", "police", "kirklees", "letmein",
          "qwerty", "welcome", "changeme", "default", "demo", "test", "sample", "example", "private", "login")
GENERATE_HINT = 'generate one with: python -c "import secrets; print(secrets.token_hex(32))"'


class KeyMissingError(PermissionError):
    """No usable pseudonymisation key for this build (a PermissionError, so the CLI reports it)."""


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def check_key(key: bytes) -> None:
    """Refuse a key that is not at least 32 random bytes written as hex or base64.

    Raises :class:`KeyMissingError` with a plain reason: too short, not hex or base64,
    or not random (one character repeated, a repeating pattern, words, too few distinct
    characters).
    """
    text = key.decode("ascii", errors="replace")
    if _HEX.fullmatch(text):
        alphabet, raw = "hex", len(text) // 2
    elif _BASE64.fullmatch(text):
        try:
            raw = len(base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError):
            raw = 0
        alphabet = "base64"
    else:
        raise KeyMissingError(f"The pseudonymisation key must be random bytes written as hex or base64; {GENERATE_HINT}.")
    if raw < MIN_KEY_BYTES:
        raise KeyMissingError(f"The pseudonymisation key is too short ({len(text)} characters): at least "
                              f"{MIN_KEY_BYTES} random bytes are needed (64 hex or 44 base64 characters); {GENERATE_HINT}.")
    lowered = text.lower()
    run = 8 if alphabet == "hex" else 6  # a repeat this long comes by chance in about one random key in a million
    repeats = any(lowered.count(lowered[i:i + run]) > 1 for i in range(len(lowered) - run + 1))
    # Words are matched as typed (lower case): matching any case would refuse about one random key in 4,000.
    wordy = any(w in text for w in _WORDS) or (alphabet == "base64" and not re.search(r"[0-9+/_-]", text))
    if _entropy(text) < _MIN_ENTROPY[alphabet] or repeats or wordy:
        raise KeyMissingError(f"The pseudonymisation key does not look random (repeated characters, a pattern or "
                              f"words), so it could be guessed; {GENERATE_HINT}.")


def _shipped_hashes() -> set[str]:
    hashes: set[str] = set()
    for manifest in (SAMPLE_MANIFEST, FORCE_SAMPLE_MANIFEST):
        if manifest.is_file():
            hashes |= {line.split()[0] for line in manifest.read_text().splitlines() if line.strip()}
    return hashes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _is_shipped(files) -> bool:
    shipped = _shipped_hashes()
    return bool(files) and all(_sha256(f.path) in shipped for f in files)


def is_shipped_sample(inputs: list[Path]) -> bool:
    """True when every file a build of ``inputs`` would load is one of the shipped samples' files."""
    from pipelines.ingest.files import discover

    try:
        return _is_shipped(discover([Path(p) for p in inputs]))
    except FileNotFoundError:
        return False


@dataclass(frozen=True)
class Keys:
    """The pseudonymisation key of each data owner of a build (ONS code → key)."""

    by_owner: dict[str, bytes]
    deployment: str  # [geography] la_code
    is_demo: bool = False

    @classmethod
    def one(cls, key: bytes) -> Keys:
        """``key`` for every owner's files: for loads that keep nothing (validation) or have one owner (tests)."""
        return cls(defaultdict(lambda: key), "")

    def key(self, owner: str) -> bytes:
        """The key of ``owner``'s files."""
        return self.by_owner[owner]

    @property
    def salt_key(self) -> bytes:
        """The key the cell-key record-key salt comes from: the deployment's own when it supplied
        files (so a single-council build keeps its salt), else the first owner's."""
        return self.by_owner.get(self.deployment) or self.by_owner[min(self.by_owner)]


def demo_key(owner: str, deployment: str) -> bytes:
    """The public demo key of an owner: the demo key itself for the deployment, and for each
    other owner HMAC-SHA256(demo key, its ONS code), so owners' demo pseudonyms differ."""
    if owner == deployment:
        return DEMO_KEY
    return hmac.new(DEMO_KEY, owner.encode(), hashlib.sha256).hexdigest().encode()


def _configured_key() -> bytes | None:
    if os.environ.get("CONTEXTMAP_PSEUDONYM_KEY"):
        return os.environ["CONTEXTMAP_PSEUDONYM_KEY"].strip().encode()
    if os.environ.get("CONTEXTMAP_PSEUDONYM_KEY_FILE"):
        key_file = Path(os.environ["CONTEXTMAP_PSEUDONYM_KEY_FILE"])
        if not key_file.is_file():
            raise KeyMissingError(f"The pseudonymisation key file {key_file} (CONTEXTMAP_PSEUDONYM_KEY_FILE) does not exist.")
        return key_file.read_bytes().strip()
    return None


def _public_keys(codes) -> set[bytes]:
    """The demo key and every demo key derived from it for the owners ``codes``: all public."""
    return {DEMO_KEY} | {demo_key(code, "") for code in codes}


def _checked(key: bytes, public: set[bytes], whose: str = "") -> bytes:
    """``key`` when it may pseudonymise real data (not one of the ``public`` demo keys);
    ``whose`` (when given) starts the refusal."""
    try:
        if key in public:
            raise KeyMissingError("The public demo key cannot be set as a real key: set your organisation's own key.")
        check_key(key)
    except KeyMissingError as exc:
        raise KeyMissingError(f"{whose}: {exc}" if whose else str(exc)) from None
    return key


def _keys_from_dir(folder: Path, owners: list[str], names) -> dict[str, bytes]:
    """Each owner's key from ``<folder>/<ONS code>.key``, checked, no two the same."""
    if not folder.is_dir():
        raise KeyMissingError(f"The key folder {folder} (CONTEXTMAP_PSEUDONYM_KEY_DIR) does not exist.")
    keys: dict[str, bytes] = {}
    for owner in owners:
        key_file = folder / f"{owner}.key"
        if not key_file.is_file():
            raise KeyMissingError(f"No pseudonymisation key for {names.label(owner)}, whose files are in the inputs: "
                                  f"{key_file} does not exist; {GENERATE_HINT}.")
        keys[owner] = _checked(key_file.read_bytes().strip(), _public_keys(names.names),
                               f"the key of {names.label(owner)} in {key_file}")
    seen: dict[bytes, str] = {}
    for owner, key in keys.items():
        if key in seen:
            raise KeyMissingError(f"{names.label(seen[key])} and {names.label(owner)} have the same key ({folder}): "
                                  "each data owner needs a key of its own, or either could link the other's "
                                  f"people by pseudonym; {GENERATE_HINT}.")
        seen[key] = owner
    return keys


def load_keys(inputs: list[Path], demo: bool = False) -> Keys:
    """The pseudonymisation keys for a build of ``inputs``, one per data owner of its files.

    Configured keys are used when each passes :func:`check_key`. Without any, the public
    demo keys are used only for the shipped samples' own files, or with ``demo`` (other
    synthetic data) when no sign-in is configured either.
    """
    from pipelines.ingest.files import discover
    from pipelines.ingest.owners import Owners

    names = Owners.configured()
    files = names.assign(discover([Path(p) for p in inputs]))
    owners = sorted({f.owner for f in files}) or [names.deployment]
    key_dir = os.environ.get("CONTEXTMAP_PSEUDONYM_KEY_DIR")
    key = _configured_key()
    if key_dir and key is not None:
        raise KeyMissingError("Set either CONTEXTMAP_PSEUDONYM_KEY_DIR (a key per data owner) or "
                              "CONTEXTMAP_PSEUDONYM_KEY / CONTEXTMAP_PSEUDONYM_KEY_FILE (one owner), not both.")
    if demo:
        # Imported only here: contextmap.auth loads the dashboard's modules (and pandas with them).
        from contextmap import auth

        if key is not None or key_dir:
            raise KeyMissingError("A demo build uses the public demo key, so it cannot be combined with a real key: "
                                  "unset CONTEXTMAP_PSEUDONYM_KEY / CONTEXTMAP_PSEUDONYM_KEY_FILE / "
                                  "CONTEXTMAP_PSEUDONYM_KEY_DIR, or drop --demo.")
        if auth.sign_in_configured():
            raise KeyMissingError("A demo build cannot be made where sign-in is configured (a users file, a role map or "
                                  "OpenID Connect): demo builds are served without a password.")
    elif key_dir:
        return Keys(_keys_from_dir(Path(key_dir), owners, names), names.deployment)
    elif key is not None:
        if len(owners) > 1:
            raise KeyMissingError(
                f"The inputs hold files of {len(owners)} data owners ({', '.join(map(names.label, owners))}), and "
                "each owner's people are pseudonymised with its own key: set CONTEXTMAP_PSEUDONYM_KEY_DIR to a "
                "folder holding <ONS code>.key for each, instead of CONTEXTMAP_PSEUDONYM_KEY(_FILE).")
        return Keys({owners[0]: _checked(key, _public_keys(names.names))}, names.deployment)
    elif not _is_shipped(files):
        raise KeyMissingError(
            "These inputs are not the shipped synthetic sample, so a pseudonymisation key is needed: set "
            "CONTEXTMAP_PSEUDONYM_KEY, or CONTEXTMAP_PSEUDONYM_KEY_FILE to a secrets file outside the repository "
            f"({GENERATE_HINT}); with several data owners, CONTEXTMAP_PSEUDONYM_KEY_DIR. For other synthetic data, "
            "build with --demo."
        )
    return Keys({o: demo_key(o, names.deployment) for o in owners}, names.deployment, is_demo=True)


def pseudonym(key: bytes, person_id: str) -> str:
    """The person pseudonym: first 16 hex characters of HMAC-SHA256(key, person_id.strip())."""
    return hmac.new(key, person_id.strip().encode(), hashlib.sha256).hexdigest()[:16]


def key_for(key: bytes, table: str, id_: str) -> str:
    """The pseudonym of another id: HMAC-SHA256(key, "<table>:" + id.strip()), first 16 hex."""
    return pseudonym(key, f"{table}:{id_.strip()}")


def fingerprint(key: bytes) -> str:
    """A short one-way fingerprint of the key (for cache names; reveals nothing of the key)."""
    return hashlib.sha256(b"contextmap-key-fingerprint:" + key).hexdigest()[:12]


def sql_params(key: bytes) -> dict[str, bytes]:
    """Bound parameters ``$ipad``/``$opad`` for :func:`sql_expr` (the key never enters SQL text)."""
    block = hashlib.sha256(key).digest() if len(key) > _BLOCK else key
    block = block.ljust(_BLOCK, b"\0")
    return {"ipad": bytes(b ^ 0x36 for b in block), "opad": bytes(b ^ 0x5C for b in block)}


def sql_expr(value_sql: str, table: str | None = None) -> str:
    """A DuckDB expression computing the same pseudonym as :func:`pseudonym`/:func:`key_for`.

    ``value_sql`` is an SQL expression (already trimmed, not null); ``table`` must be a
    fixed identifier-like word, never user input.
    """
    if table is not None and not table.replace("_", "").isalnum():
        raise ValueError(f"bad table prefix {table!r}")
    message = f"encode('{table}:' || {value_sql})" if table else f"encode({value_sql})"
    return f"left(sha256($opad::blob || unhex(sha256($ipad::blob || {message}))), 16)"
