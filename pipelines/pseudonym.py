"""Keyed pseudonyms: every input identifier is replaced at the door by an HMAC-SHA256.

``person_key`` is the first 16 hex characters of HMAC-SHA256(key, person_id.strip()), so
the key holder can recompute a child's pseudonym from a case number and the same child
links across files. Other ids use the table name as a prefix (``key_for``) so an episode
id and a person id that happen to be equal do not collide.

The key comes from ``CONTEXTMAP_PSEUDONYM_KEY`` or the file named by
``CONTEXTMAP_PSEUDONYM_KEY_FILE`` (a secrets file outside the repository). The demo key
below is public: it is used only for the synthetic sample (an input folder holding the
``ground_truth.json`` that ``pipelines/sample`` writes), never for real data.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

DEMO_KEY: bytes = b"CONTEXTMAP-DEMO-KEY-PUBLIC-SYNTHETIC-SAMPLE-ONLY"
SAMPLE_MARKER = "ground_truth.json"
MIN_KEY_BYTES = 16
_BLOCK = 64  # SHA-256 block size


class KeyMissingError(PermissionError):
    """No usable pseudonymisation key for real input (a PermissionError, so the CLI reports it)."""


def is_sample(path: Path) -> bool:
    """True when ``path`` is (or lies in) a folder of synthetic sample data."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    return (folder / SAMPLE_MARKER).is_file()


def load_key(inputs: list[Path]) -> bytes:
    """The pseudonymisation key for a build of ``inputs``.

    Real input needs a key from the environment or a secrets file; the public demo key
    is accepted only when every input is synthetic sample data.
    """
    key = None
    if os.environ.get("CONTEXTMAP_PSEUDONYM_KEY"):
        key = os.environ["CONTEXTMAP_PSEUDONYM_KEY"].strip().encode()
    elif os.environ.get("CONTEXTMAP_PSEUDONYM_KEY_FILE"):
        key_file = Path(os.environ["CONTEXTMAP_PSEUDONYM_KEY_FILE"])
        if not key_file.is_file():
            raise KeyMissingError(f"The pseudonymisation key file {key_file} (CONTEXTMAP_PSEUDONYM_KEY_FILE) does not exist.")
        key = key_file.read_bytes().strip()
    sample = bool(inputs) and all(is_sample(Path(p)) for p in inputs)
    if key is None:
        if sample:
            return DEMO_KEY
        raise KeyMissingError(
            "These inputs are not the synthetic sample, so a pseudonymisation key is needed: set "
            "CONTEXTMAP_PSEUDONYM_KEY, or CONTEXTMAP_PSEUDONYM_KEY_FILE to a secrets file outside the repository."
        )
    if key == DEMO_KEY and not sample:
        raise KeyMissingError("The public demo key cannot be used for real data: set your organisation's own key.")
    if len(key) < MIN_KEY_BYTES:
        raise KeyMissingError(f"The pseudonymisation key is too short: use at least {MIN_KEY_BYTES} characters.")
    return key


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
