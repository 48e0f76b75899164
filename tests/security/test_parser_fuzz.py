"""Every payload parser, fed hostile variants of real payloads: each answers with a parsed event or
a typed error (HeedfulError: the event is stored and marked failed with that message), never an
unexpected exception. The API channel is also driven end to end: never a 500, never an event left
half-processed.

The seeds are the providers' own captured fixtures; hypothesis swaps a random node for a wrong
type, a huge or empty value, NUL or a lone surrogate, nests it deeply, flips bytes (invalid
UTF-8), truncates the body, or injects header lines into a mail. Deterministic (derandomized),
so CI runs the same cases each time.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heedful.channels import registry
from heedful.core.errors import HeedfulError
from heedful.ingestion.models import EventStatus, InboundEvent

pytestmark = pytest.mark.django_db

PROVIDERS = Path(__file__).resolve().parents[1] / "providers"
EXAMPLES = 60
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

NASTY = st.sampled_from([
    None, True, False, 0, -1, 2**70, -(2**70), 1.5e308, "", " ", "x" * 100_000, "a\x00b", "\ud800",
    "<script>alert(1)</script>", [], {}, [[[[[]]]]], {"": {"": {}}}, "1970-01-01T00:00:00Z", "not-a-date",
])


def _json_seeds(*paths: str) -> list:
    seeds = []
    for path in paths:
        data = json.loads((PROVIDERS / path).read_text())
        seeds += list(data.values()) if path.endswith("_cases.json") else [data]
    return seeds


SEEDS = {
    "twitter": _json_seeds(*(f"twitter/fixtures/{p.name}" for p in sorted((PROVIDERS / "twitter/fixtures").glob("*.json")))),
    "facebook": _json_seeds("meta/fixtures/facebook_cases.json"),
    "instagram": _json_seeds("meta/fixtures/instagram_cases.json"),
    "whatsapp": _json_seeds("whatsapp/fixtures/whatsapp_cases.json"),
    "api": [{"id": "m-1", "from": {"id": "u-42", "name": "Ann", "email": "ann@example.com"}, "text": "Hi",
             "thread": "order-9", "in_reply_to": "m-0", "sent_at": "2026-01-01T10:00:00Z",
             "attachments": [{"filename": "a.png", "content_type": "image/png", "url": "https://example.com/a.png"}]}],
}
TWILIO_FORM = {"MessageSid": "SM1", "AccountSid": "AC1", "From": "+15550001111", "To": "+15550002222",
               "Body": "Hello", "NumMedia": "0"}
MAILS = sorted((PROVIDERS / "email/fixtures").glob("*.eml"))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _replace(node, path, value):
    if not path:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = _replace(node[path[0]], path[1:], value)
    return copy


@st.composite
def hostile_json(draw, seeds):
    seed = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(list(_paths(seed))))
        value = draw(st.one_of(NASTY, st.recursive(st.none() | st.integers() | st.text(max_size=20),
                                                  lambda kids: st.lists(kids, max_size=3)
                                                  | st.dictionaries(st.text(max_size=5), kids, max_size=3),
                                                  max_leaves=20)))
        if draw(st.booleans()) and value is not None:
            value = [{"deep": value}] * 1 if draw(st.booleans()) else {"x": [[[[value]]]]}
        seed = _replace(seed, path, value)
    raw = json.dumps(seed).encode()
    return draw(_damaged(raw))


@st.composite
def _damaged(draw, raw: bytes):
    kind = draw(st.sampled_from(["as-is", "as-is", "truncate", "flip", "deep"]))
    if kind == "truncate":
        return raw[:draw(st.integers(0, len(raw)))]
    if kind == "flip":
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        return raw[:at] + bytes([draw(st.sampled_from([0x00, 0x80, 0xC3, 0xFF, 0xED]))]) + raw[at + 1:]
    if kind == "deep":
        depth = draw(st.sampled_from([500, 5_000, 50_000]))
        return b"[" * depth + raw + b"]" * depth
    return raw


def _parse_or_typed_error(provider_key, channel, raw: bytes, content_type: str):
    provider = registry.get(provider_key)
    try:
        provider.parse(channel, raw, content_type)
    except HeedfulError:
        pass  # a clear, typed failure: the pipeline marks the event failed with this message
    except RecursionError:
        pass  # the pipeline marks the event failed; a webhook answers 400 (test_bad_input)


@pytest.fixture
def channels(make_channel):
    return {
        "twitter": make_channel("twitter", {"user_id": "1111", "consumer_secret": "c"}),
        "facebook": make_channel("facebook", {"page_id": "222", "app_secret": "s"}),
        "instagram": make_channel("instagram", {"ig_user_id": "333", "app_secret": "s"}),
        "whatsapp": make_channel("whatsapp", {"phone_number_id": "106540352242001", "app_secret": "s"}),
        "api": make_channel("api", {"inbound_token": "t"}),
        "twilio": make_channel("twilio", {"account_sid": "AC1", "auth_token": "x", "phone_number": "+15550002222"}),
        "email": make_channel("email", {"address": "help@example.com"}),
    }


@pytest.mark.parametrize("provider_key", ["twitter", "facebook", "instagram", "whatsapp", "api"])
def test_json_parsers_answer_hostile_payloads_with_a_result_or_a_typed_error(channels, provider_key):
    @FUZZ
    @given(raw=hostile_json(SEEDS[provider_key]))
    def run(raw):
        _parse_or_typed_error(provider_key, channels[provider_key], raw, "application/json")

    run()


def test_the_twilio_parser_answers_hostile_forms(channels):
    @FUZZ
    @given(form=st.dictionaries(st.sampled_from([*TWILIO_FORM, "MediaUrl0", "MediaContentType0", "Latitude"]),
                                st.one_of(st.text(max_size=50), st.sampled_from(["", "-1", "99999", "x" * 10_000])),
                                max_size=9),
           damage=st.booleans())
    def run(form, damage):
        raw = urlencode({**TWILIO_FORM, **form}).encode()
        if damage:
            raw = raw.replace(b"%", b"%\xff", 1)
        _parse_or_typed_error("twilio", channels["twilio"], raw, "application/x-www-form-urlencoded")

    run()


@st.composite
def hostile_mail(draw):
    raw = draw(st.sampled_from(MAILS)).read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["inject", "huge", "flip", "truncate", "charset", "boundary"]))
        if kind == "inject":  # header injection: CR/LF inside a header value
            raw = raw.replace(b"Subject: ", b"Subject: x\r\nBcc: victim@example.org\r\nX: ", 1)
        elif kind == "huge":
            raw = raw.replace(b"Subject: ", b"Subject: " + b"A" * 200_000, 1)
        elif kind == "charset":
            raw = raw.replace(b"charset=", b"charset=x-\xff-unknown-", 1)
        elif kind == "boundary":
            raw = raw.replace(b"boundary=", b'boundary=""; x=', 1)
        else:
            raw = draw(_damaged(raw).filter(lambda _: True)) if kind == "flip" else raw[:draw(st.integers(0, len(raw)))]
    return raw


def test_the_email_parser_answers_hostile_mail(channels):
    assert MAILS, "the email fixtures are missing"

    @FUZZ
    @given(raw=hostile_mail())
    def run(raw):
        _parse_or_typed_error("email", channels["email"], raw, "message/rfc822")

    run()


def test_the_api_channel_end_to_end_never_answers_500(client, channels):
    channel = channels["api"]
    seen = {"accepted": 0, "refused": 0}

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(raw=hostile_json(SEEDS["api"]))
    def run(raw):
        response = client.post(f"/hooks/api/{channel.pk}", raw, content_type="application/json",
                               HTTP_AUTHORIZATION="Bearer t")
        assert response.status_code in (200, 400), (response.status_code, raw[:200])
        seen["accepted" if response.status_code == 200 else "refused"] += 1

    run()
    # An unexpected exception would leave its event pending for a retry; a typed one fails it for good.
    left = InboundEvent.objects.exclude(status__in=[EventStatus.DONE, EventStatus.FAILED, EventStatus.IGNORED])
    print(f"\napi channel fuzz: {seen['accepted']} stored, {seen['refused']} refused with 400, "
          f"{InboundEvent.objects.filter(status=EventStatus.FAILED).count()} stored events failed with a message")
    assert not left.exists(), f"events left unprocessed: {list(left.values_list('last_error', flat=True))}"
    errors = InboundEvent.objects.filter(status=EventStatus.FAILED).values_list("last_error", flat=True)
    assert all(e.startswith("PayloadError: ") for e in errors), sorted(set(errors))
