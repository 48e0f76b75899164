"""Twilio SMS and voice through the real webhook endpoint, replies against the local fake."""

from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.channels import registry
from heedful.channels.base import ParsedEvent, PayloadError
from heedful.channels.models import Channel
from heedful.channels.providers.twilio import inbound
from heedful.channels.providers.twilio.fake import FakeTwilioAPI
from heedful.channels.providers.twilio.signature import expected
from heedful.conversations.models import Conversation, Message
from heedful.ingestion.models import InboundEvent

TOKEN = "twilio-auth-token"
CUSTOMER = "+442079460018"


@pytest.mark.parametrize("caller, signature", [
    ("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="),
    ("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
])
def test_signature_matches_twilios_documented_example(caller, signature):
    params = {"CallSid": "CA1234567890ABCDE", "Caller": caller, "Digits": "1234", "From": caller,
              "To": "+18005551212"}
    assert expected("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params) == signature


@pytest.fixture
def fake():
    with FakeTwilioAPI() as server:
        yield server


@pytest.fixture
def channel(make_channel, fake):
    return make_channel("twilio", {"account_sid": "AC123", "auth_token": TOKEN, "phone_number": "+15005550006"},
                        {"api_base_url": fake.base_url})


def post(client, channel, params, token=TOKEN):
    url = f"http://testserver/hooks/twilio/{channel.pk}"
    return client.post(f"/hooks/twilio/{channel.pk}", urlencode(params),
                       content_type="application/x-www-form-urlencoded",
                       HTTP_X_TWILIO_SIGNATURE=expected(token, url, params))


def sms(sid, body, sender=CUSTOMER, **extra):
    return {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC123", "From": sender,
            "To": "+15005550006", "Body": body, "NumMedia": "0", **extra}


def call(status, **extra):
    return {"CallSid": "CA42", "AccountSid": "AC123", "From": CUSTOMER, "To": "+15005550006",
            "CallStatus": status, "Direction": "inbound", **extra}


def test_inbound_sms_becomes_a_conversation_and_twiml_is_empty(client, channel):
    response = post(client, channel, sms("SM1", "My router keeps dropping the connection"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert b"<Say>" not in response.content
    message = Message.objects.get()
    assert message.text == "My router keeps dropping the connection"
    assert message.author_identity.kind == "phone" and message.author_identity.handle == CUSTOMER


def test_wrong_signature_is_refused(client, channel):
    assert post(client, channel, sms("SM1", "hi"), token="not-the-token").status_code == 401
    assert InboundEvent.objects.count() == 0


def test_calls_are_logged_in_the_callers_phone_thread(client, channel):
    post(client, channel, sms("SM1", "Please call me back"))
    ringing = post(client, channel, call("ringing"))
    assert b"<Say>" in ringing.content
    post(client, channel, call("completed", CallDuration="192"))
    post(client, channel, call("completed", CallDuration="192"))  # Twilio retried the callback
    conversation = Conversation.objects.get()
    assert list(conversation.messages.order_by("id").values_list("text", flat=True)) == [
        "Please call me back", "Incoming call", "Call ended after 3m 12s"]


def test_mms_media_are_attachments(client, channel):
    post(client, channel, sms("SM9", "photo of the damage", NumMedia="1",
                              MediaUrl0="https://api.twilio.com/media/ME1", MediaContentType0="image/jpeg"))
    attachment = Message.objects.get().attachments.get()
    assert (attachment.remote_url, attachment.content_type) == ("https://api.twilio.com/media/ME1", "image/jpeg")


def test_reply_is_sent_and_status_callbacks_update_it(client, channel, api, fake):
    post(client, channel, sms("SM1", "Where is my engineer?"))
    conversation = Conversation.objects.get()
    assert api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "Arriving at 3pm"},
                    content_type="application/json").status_code == 201
    sent = fake.requests_to("POST", "/Messages.json")
    assert len(sent) == 1 and b"To=%2B442079460018" in sent[0].body and b"Body=Arriving+at+3pm" in sent[0].body
    reply = Message.objects.get(direction="out")
    assert reply.delivery_status == "queued" or reply.provider_message_id.startswith("SM")
    reply.refresh_from_db()
    post(client, channel, {"MessageSid": reply.provider_message_id, "MessageStatus": "delivered",
                           "AccountSid": "AC123", "From": "+15005550006", "To": CUSTOMER})
    reply.refresh_from_db()
    assert reply.delivery_status == "delivered"
    found = api.get(f"/api/v1/messages?provider_message_id={reply.provider_message_id}").json()
    assert found["results"][0]["delivery_status"] == "delivered"


def test_rate_limit_is_retried_after_retry_after(client, channel, api, fake):
    post(client, channel, sms("SM1", "hello"))
    fake.fail_next(429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": "1"})
    conversation = Conversation.objects.get()
    api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "Hi!"}, content_type="application/json")
    assert len(fake.requests_to("POST", "/Messages.json")) == 2
    assert Message.objects.get(direction="out").delivery_status == "sent"


def test_rejected_credentials_mark_the_channel_for_reauthorisation(client, channel, api, fake):
    post(client, channel, sms("SM1", "hello"))
    fake.fail_next(401, {"code": 20003, "message": "Authenticate"})
    conversation = Conversation.objects.get()
    api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "Hi!"}, content_type="application/json")
    assert Channel.objects.get(pk=channel.pk).status == "needs_reauth"
    assert Message.objects.get(direction="out").delivery_status == "failed"


# Property tests of the form parser: built posts come back as exactly what they were built from;
# any body at all parses or is refused with PayloadError.
numbers = st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)
message_sids = st.from_regex(r"(SM|MM)[0-9a-f]{32}", fullmatch=True)
call_sids = st.from_regex(r"CA[0-9a-f]{32}", fullmatch=True)
# Kept verbatim, edge spaces too; form-encoding's own characters are drawn often.
bodies = st.text(st.characters(blacklist_categories=("Cs",)) | st.sampled_from(list("&=+%;# \r\n\t")), max_size=320)
media_items = st.tuples(st.from_regex(r"https://api\.twilio\.com/media/ME[0-9a-f]{8}", fullmatch=True),
                        st.sampled_from(["image/jpeg", "image/png", "video/mp4", "text/vcard"]))
CALL_STATUSES = ["ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"]
# Twilio's message statuses -> Heedful's delivery statuses; the others carry no delivery news.
DELIVERY = {"queued": "queued", "accepted": "queued", "sending": "sending", "sent": "sent",
            "delivered": "delivered", "read": "read", "undelivered": "failed", "failed": "failed"}
NO_DELIVERY_NEWS = ["receiving", "received", "scheduled", "canceled", "partially_delivered"]


def parse_form(params: dict):
    return inbound.parse(urlencode(params).encode())


@given(sid=message_sids, sender=numbers, body=bodies, media=st.lists(media_items, max_size=10))
def test_every_built_sms_comes_back_as_one_message(sid, sender, body, media):
    params = sms(sid, body, sender=sender, NumMedia=str(len(media)))
    for i, (url, content_type) in enumerate(media):
        params |= {f"MediaUrl{i}": url, f"MediaContentType{i}": content_type}
    parsed = parse_form(params)
    assert parsed.statuses == parsed.ignored == []
    [message] = parsed.messages
    assert (message.provider_message_id, message.sender.kind, message.sender.handle) == (sid, "phone", sender)
    assert message.text == body and message.direction == "in" and message.public is False
    assert message.reply_to_ids == [] and message.thread_key == f"sms:{sender}"
    assert [(a.url, a.content_type) for a in message.attachments] == media
    assert message.metadata["to"] == "+15005550006"


@given(sid=call_sids, caller=numbers, status=st.sampled_from(CALL_STATUSES),
       seconds=st.none() | st.integers(min_value=1, max_value=86_400))
def test_every_call_event_is_one_entry_in_the_callers_phone_thread(sid, caller, status, seconds):
    extra = {"CallDuration": str(seconds)} if seconds else {}
    parsed = parse_form(call(status, CallSid=sid, From=caller, **extra))
    assert parsed.statuses == parsed.ignored == []
    [message] = parsed.messages
    # one id per call event, so a retried callback is a duplicate and the next status is not
    assert message.provider_message_id == f"{sid}:{status}"
    assert (message.sender.kind, message.sender.handle, message.thread_key) == ("phone", caller, f"sms:{caller}")
    assert message.direction == "in" and message.public is False and message.text
    assert message.metadata["call_sid"] == sid and message.metadata["call_status"] == status
    if status == "completed" and seconds:
        assert message.text.endswith(f" after {seconds // 60}m {seconds % 60:02d}s")


@given(sid=message_sids, status=st.sampled_from([*DELIVERY, *NO_DELIVERY_NEWS]),
       error_code=st.none() | st.integers(min_value=30001, max_value=30010).map(str))
def test_status_callbacks_are_one_delivery_update_or_a_reason(sid, status, error_code):
    extra = {"ErrorCode": error_code} if error_code else {}
    parsed = parse_form({"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC123",
                         "From": "+15005550006", "To": CUSTOMER, **extra})
    assert parsed.messages == []
    if status in NO_DELIVERY_NEWS:
        assert parsed.statuses == [] and len(parsed.ignored) == 1
        return
    [update] = parsed.statuses
    assert (update.provider_message_id, update.status) == (sid, DELIVERY[status]) and parsed.ignored == []
    assert (error_code or "") in update.error and bool(update.error) == bool(error_code)


def parse_body(raw: bytes):
    twilio = Channel(provider="twilio", name="Fuzz", credentials={"auth_token": TOKEN})
    return registry.get("twilio").parse(twilio, raw)


# Unicode digits other than 0-9 ("²", "①") included: counts must not trust str.isdigit().
field_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
FIELDS = ["From", "Body", "MessageSid", "SmsSid", "CallSid", "CallStatus", "MessageStatus", "NumMedia",
          "MediaUrl0", "CallDuration", "ErrorCode"]


def form_fields(raw: bytes) -> dict[str, str] | None:
    """The posted fields, or None for a body that is not UTF-8 (so not a form Twilio sends)."""
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.dictionaries(st.sampled_from(FIELDS), field_text).map(
    lambda params: urlencode(params).encode()))
def test_any_body_parses_to_one_event_or_raises_payload_error(raw):
    params = form_fields(raw)
    try:
        parsed = parse_body(raw)
    except PayloadError:
        # refused only when unreadable, or when a message or call has no sender or no id
        assert params is None or not params.get("From") or not any(
            params.get(key) for key in ("MessageSid", "SmsSid", "CallSid"))
        return
    assert isinstance(parsed, ParsedEvent) and params is not None
    assert len(parsed.messages) + len(parsed.statuses) + len(parsed.ignored) == 1  # one post, one event
    for message in parsed.messages:
        assert message.provider_message_id
        assert message.sender.kind == "phone" and message.sender.handle == params["From"]


@pytest.mark.parametrize("params", [sms("SM1", "hi", NumMedia="\u00b2"), call("completed", CallDuration="\u2460")])
def test_unicode_digit_counts_parse_or_raise_payload_error(params):
    try:
        parse_form(params)
    except PayloadError:
        pass
