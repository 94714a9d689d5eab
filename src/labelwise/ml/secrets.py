"""Secrets kept in the database sealed: basic-auth passwords of ML backends, LLM API keys.

Why Fernet keyed from the installation secret: a copied database file (a backup, a support dump) must not
hand out credentials to other systems, and the one secret every installation already has
(`Settings.signing_secret()`) lives outside the database. HKDF derives a key for this one purpose, so the
signing key itself never encrypts anything. Rotating the installation secret makes sealed values
unreadable; `unseal` then raises `SealError` and the connection asks for the secret again.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from labelwise.settings import Settings, get_settings

_INFO = b"labelwise secrets box v1"
MASK = "********"


class SealError(Exception):
    """A sealed value could not be opened (another installation's, or the secret changed)."""


@lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _box(settings: Settings | None) -> Fernet:
    return _fernet((settings or get_settings()).signing_secret())


def seal(text: str, settings: Settings | None = None) -> str:
    """`text` encrypted and authenticated; an empty string stays empty (nothing to hide)."""
    if not text:
        return ""
    return _box(settings).encrypt(text.encode()).decode("ascii")


def unseal(token: str, settings: Settings | None = None) -> str:
    if not token:
        return ""
    try:
        return _box(settings).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError) as exc:
        raise SealError(
            "a stored secret cannot be read with this installation's secret; enter it again"
        ) from exc
