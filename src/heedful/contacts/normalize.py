"""Normalise handles so the same person's handle always compares equal.

How a handle is normalised is a fact its provider declares about the kind (`handle_format`).
"""

import phonenumbers

from heedful.channels import registry
from heedful.core.errors import ValidationError


def email(address: str) -> str:
    return address.strip().strip("<>").lower()


def phone(number: str, region: str | None = None) -> str:
    """E.164 form (+442079460018). Accepts `whatsapp:` prefixes and national formats."""
    raw = number.strip().removeprefix("whatsapp:").removeprefix("tel:")
    if raw and raw[0].isdigit() and region is None and len(raw) > 10:
        raw = "+" + raw  # WhatsApp sends wa_id without the plus
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"not a phone number: {number!r}") from exc
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def handle(kind: str, value: str) -> str:
    form = registry.identity_kind(kind).handle_format
    if form == "email":
        return email(value)
    if form == "phone":
        try:
            return phone(value)
        except ValidationError:
            return value.strip()
    return value.strip()
