"""Twilio SMS and voice through the real webhook endpoint, replies against the local fake."""

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.channels.base import PayloadError
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


@given(st.binary(max_size=300))
def test_parser_only_ever_raises_payload_error(raw):
    try:
        inbound.parse(raw)
    except PayloadError:
        pass


@given(st.dictionaries(st.sampled_from(["From", "Body", "MessageSid", "CallSid", "CallStatus", "MessageStatus",
                                        "NumMedia", "CallDuration"]), st.text(max_size=20)))
def test_parser_handles_any_field_combination(params):
    try:
        parsed = inbound.parse(urlencode(params).encode())
    except PayloadError:
        return
    assert len(parsed.messages) + len(parsed.statuses) + len(parsed.ignored) == 1
