"""Record keys for cell-key perturbation (``contextmap/cellkey.py``).

Each counted record gets a key 0–255 from its pseudonym and a secret salt: the low byte
of MD5(salt || pseudonym), computed in SQL by the build macro ``cm_rkey``. The salt is an
HMAC of the pseudonymisation key, so the keys are the same in every build made with that
key (a figure's noise never changes between monthly builds, so it cannot be averaged
away) and nobody without the key can compute them from the pseudonyms a page shows.
"""

from __future__ import annotations

import hashlib
import hmac

from pipelines.pseudonym import DEMO_KEY


def salt(key: bytes) -> str:
    """The record-key salt for a pseudonymisation key (64 hex digits)."""
    return hmac.new(key, b"contextmap:cell-key-record-keys:v1", hashlib.sha256).hexdigest()


# Builds without a key of their own (tests, the synthetic sample) use the demo key's salt.
DEMO_SALT = salt(DEMO_KEY)
