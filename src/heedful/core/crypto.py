"""Encryption at rest for channel credentials (Fernet with a key derived from settings)."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


def _fernet() -> Fernet:
    digest = hashlib.sha256(("heedful-credentials:" + settings.HEEDFUL_ENCRYPTION_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_json(value) -> str:
    return _fernet().encrypt(json.dumps(value or {}).encode()).decode()


def decrypt_json(token: str):
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
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
