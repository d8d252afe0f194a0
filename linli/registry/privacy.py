"""Encryption at rest and keyed hashing of ID numbers.

The ciphertext can be decrypted only with FIELD_ENCRYPTION_KEY; the HMAC lets us find a
person by exact ID number without decrypting every row. Neither value is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from linli.common.masking import mask_id_number


def normalise_id_number(value: str) -> str:
    # NFKC first: an ID typed with full-width digits (５１１６…) must hash like the ASCII one,
    # or a search for it finds nobody.
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).upper()


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    # A dedicated derivation label keeps this key distinct from any other use of the secret.
    digest = hashlib.sha256(b"linli.registry.id_number.v1:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_id_number(value: str) -> str:
    if not value:
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt_id_number(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def hash_id_number(value: str) -> str:
    value = normalise_id_number(value)
    if not value:
        return ""
    return hmac.new(settings.FIELD_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def protect_id_number(value: str) -> dict[str, str]:
    """The three stored columns for one ID number."""
    value = normalise_id_number(value)
    return {
        "id_number_encrypted": encrypt_id_number(value),
        "id_number_hash": hash_id_number(value),
        "id_number_masked": mask_id_number(value),
    }
