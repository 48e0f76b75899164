"""Encryption at rest for channel credentials (Fernet with a key derived from settings).

Every channel row read decrypts its credentials, and an inbox page reads one per row: the
plaintext of a token is kept (per key), so a page pays the HMAC and AES once per channel, not
once per row. Each read still gets its own dict.
"""

import base64
import functools
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


def _fernet() -> Fernet:
    return _fernet_for(settings.HEEDFUL_ENCRYPTION_KEY)


@functools.lru_cache(maxsize=8)
def _fernet_for(key: str) -> Fernet:
    digest = hashlib.sha256(("heedful-credentials:" + key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@functools.lru_cache(maxsize=4096)
def _plaintext(key: str, token: str) -> bytes:
    return _fernet_for(key).decrypt(token.encode())  # InvalidToken is raised, never kept


def encrypt_json(value) -> str:
    return _fernet().encrypt(json.dumps(value or {}).encode()).decode()


def decrypt_json(token: str):
    if not token:
        return {}
    try:
        return json.loads(_plaintext(settings.HEEDFUL_ENCRYPTION_KEY, token))
    except InvalidToken as exc:  # wrong key: refuse loudly rather than hand out garbage
        raise ValueError("credentials cannot be decrypted with the configured key") from exc


class EncryptedJSONField(models.TextField):
    """A dict stored as a Fernet token; the plaintext never reaches the database."""

    def from_db_value(self, value, expression, connection):
        return decrypt_json(value) if value else {}

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        return decrypt_json(value) if value else {}

    def get_prep_value(self, value):
        return encrypt_json(value or {})
