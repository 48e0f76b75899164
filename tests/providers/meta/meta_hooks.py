"""Constants and helpers for the Facebook and Instagram tests (fixtures live in conftest.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

PAGE_ID = "105550000000001"
IG_USER_ID = "17841400000000001"
APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "verify-me-please"
PAGE_TOKEN = "EAAG-page-token-for-tests"
FIXTURES = Path(__file__).parent / "fixtures"


def cases(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    # Written out here rather than imported: the test must not trust the code under test.
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def fresh(payload: dict, *, age_seconds: float = 0) -> dict:
    """A copy of a payload whose event times are `age_seconds` ago (reply windows are timed)."""
    when = time.time() - age_seconds

    def walk(value):
        if isinstance(value, dict):
            return {k: (_stamp(v, when) if k in ("timestamp", "created_time", "time") else walk(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(payload)


def _stamp(old, when: float):
    """Same unit as the original: Messenger uses milliseconds, feed changes seconds."""
    return int(when * 1000) if isinstance(old, int) and old > 10**11 else int(when)
