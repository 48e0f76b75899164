"""PII redaction of display text: card numbers everywhere, passwords in public posts."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.conversations.models import Message
from heedful.insights.redaction import CARD_MASK, PASSWORD_MASK, redact
from tests.contacts.support import channel, ingest, message

LOWER_WORDS = st.lists(st.sampled_from(["my", "order", "is", "late", "please", "help", "the", "app",
                                         "login", "fails", "again", "today", "thanks", "hi"]), max_size=8).map(" ".join)
# A secret always holds a digit, so it can never be one of the ordinary words around it.
SECRETS = st.tuples(
    st.text(alphabet=string.ascii_letters + string.digits + "!#$%&*+-_@^~", min_size=3, max_size=20),
    st.sampled_from(string.digits),
).map(lambda t: t[0] + t[1]).filter(lambda s: s[0] not in "[:=")
LABELS = st.sampled_from(["password: {}", "Password: {}", "password is {}", "my pw is {}", "PW={}",
                          "pwd: {}", "passcode {}", "my password for the app is {}", "Password is: {}"])
LUHN_CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "6011111111111117"]


@settings(max_examples=300, deadline=None)
@given(before=LOWER_WORDS, label=LABELS, secret=SECRETS, after=LOWER_WORDS)
def test_a_password_in_a_public_post_is_masked(before, label, secret, after):
    text = f"{before} {label.format(secret)} {after}".strip()
    masked = redact(text, public=True)
    assert secret not in masked
    assert PASSWORD_MASK in masked
    assert masked.startswith(before) and masked.endswith(after)


@settings(max_examples=200, deadline=None)
@given(before=LOWER_WORDS, label=LABELS, secret=SECRETS, after=LOWER_WORDS)
def test_a_private_message_keeps_its_text(before, label, secret, after):
    text = f"{before} {label.format(secret)} {after}"
    assert redact(text, public=False) == text


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200), public=st.booleans())
def test_redaction_is_idempotent_and_never_grows_a_mask_twice(text, public):
    once = redact(text, public=public)
    assert redact(once, public=public) == once


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=string.ascii_letters + " .,!?'", max_size=200))
def test_text_without_digits_or_password_words_is_unchanged(text):
    if "pw" in text.lower() or "pass" in text.lower():
        return
    assert redact(text, public=True) == text


@settings(max_examples=200, deadline=None)
@given(before=LOWER_WORDS, card=st.sampled_from(LUHN_CARDS), after=LOWER_WORDS, public=st.booleans())
def test_card_numbers_are_masked_on_every_channel(before, card, after, public):
    masked = redact(f"{before} {card} {after}", public=public)
    assert CARD_MASK in masked and card not in masked


@given(digits=st.text(alphabet=string.digits, min_size=13, max_size=19))
def test_digit_runs_that_fail_luhn_are_kept(digits):
    total = sum(int(d) * 2 - 9 * (int(d) > 4) if i % 2 else int(d) for i, d in enumerate(reversed(digits)))
    if total % 10 == 0:
        return
    assert redact(f"order {digits}") == f"order {digits}"


@pytest.mark.parametrize(("text", "expected"), [
    ("my password is wrong again", "my password is wrong again"),
    ("password reset link never came", "password reset link never came"),
    ("I forgot my password for my account yesterday", "I forgot my password for my account yesterday"),
    ("password: hunter2.", f"password: {PASSWORD_MASK}."),
    ('Password is: "s3cr3t!" thanks', f"Password is: {PASSWORD_MASK} thanks"),
])
def test_ordinary_complaints_about_passwords_stay_readable(text, expected):
    assert redact(text, public=True) == expected


@pytest.mark.django_db
def test_the_pipeline_masks_passwords_in_public_posts_only():
    twitter = channel("twitter")
    ingest(twitter, message("twitter", "1111", "@brand cannot log in, my pw is Hunter22 help", public=True))
    ingest(twitter, message("twitter", "1111", "my pw is Hunter22, can you check?", thread="dm:1111"))
    public, private = Message.objects.order_by("pk")
    assert "Hunter22" not in public.display_text and PASSWORD_MASK in public.display_text
    assert private.display_text == "my pw is Hunter22, can you check?"
