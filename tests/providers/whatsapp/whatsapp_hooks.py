"""Constants and helpers for the WhatsApp tests (fixtures live in conftest.py)."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

PHONE_NUMBER_ID = "106540352242001"
ACCESS_TOKEN = "EAAG-system-user-token-for-tests"
CUSTOMER = "447700900123"
FIXTURES = Path(__file__).parent / "fixtures"


def cases() -> dict:
    return json.loads((FIXTURES / "whatsapp_cases.json").read_text())


def fresh(payload: dict, *, age_seconds: float = 0) -> dict:
    """A copy whose message timestamps are `age_seconds` ago (the 24-hour window is timed)."""
    payload = copy.deepcopy(payload)
    for entry in payload["entry"]:
        for change in entry["changes"]:
            for item in change["value"].get("messages", []) + change["value"].get("statuses", []):
                item["timestamp"] = str(int(time.time() - age_seconds))
    return payload


def status_payload(*statuses: dict) -> dict:
    """A status webhook as WhatsApp sends it for messages the business sent."""
    return {"object": "whatsapp_business_account", "entry": [{"id": "120000000000001", "changes": [
        {"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [{"timestamp": str(int(time.time())), "recipient_id": CUSTOMER, **s} for s in statuses],
        }}]}]}
