"""PII redaction for display text.

- Payment card numbers (Luhn-checked) are masked everywhere.
- Passwords written into PUBLIC posts ("password: hunter2", "my pw is hunter2") are masked: a
  customer who posts one publicly has leaked it, and agents and reports should not repeat it.
  In a private message to the brand the text is left as written.
"""

import re

_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_KEYWORD = r"(?<!\[)\b(?:password|passwort|passwd|passcode|passphrase|pass\s?word|pwd|pw)\b"
_PASSWORD = re.compile(
    r"(?P<label>" + _KEYWORD
    + r"(?:\s+for\s+(?:\w+\s+){0,2}?\w+(?:\s+(?:is|was)\b\s*[:=]?|\s*[:=])"  # "pw for my account is"
    + r"|(?:\s+(?:is|was)\b)?\s*[:=]?)\s*)"
    + r"(?P<secret>[^\s\[:=]\S*)",
    re.IGNORECASE,
)
# Words that follow "password" in ordinary complaints and are not the password itself.
_NOT_SECRETS = {
    "is", "was", "reset", "resets", "wrong", "incorrect", "invalid", "expired", "not", "doesn't",
    "didn't", "won't", "isn't", "wasn't", "does", "did", "will", "and", "or", "but", "for", "to",
    "the", "a", "an", "my", "your", "it", "again", "change", "changed", "field", "manager", "page",
    "link", "email", "e-mail", "please", "still", "never", "just", "keeps", "no", "any", "so", "too",
    "again.", "help", "in", "on", "at", "of", "with", "box", "recovery", "requirements", "rules",
    "protected", "forgotten", "forgot", "being", "being,", "has", "have", "had", "that", "this",
}
PASSWORD_MASK = "[password removed]"
CARD_MASK = "[card number removed]"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _mask_card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return CARD_MASK
    return match.group(0)


def _mask_password(match: re.Match) -> str:
    secret = match.group("secret")
    # Sentence punctuation after the word stays readable; quotes around it go with it.
    core = secret.rstrip(".,;:!?)")
    tail = secret[len(core):]
    if not core.strip("\"'`") or core.strip("\"'`").lower() in _NOT_SECRETS:
        return match.group(0)
    return match.group("label") + PASSWORD_MASK + tail


def redact(text: str, *, public: bool = False) -> str:
    if not text:
        return text
    text = _CARD.sub(_mask_card, text)
    if public:
        text = _PASSWORD.sub(_mask_password, text)
    return text
