"""The insight story end to end, through the webhooks and the API.

Ann emails, gets no answer for two days and tweets: once the agent learns both handles are Ann
(a merge), the tweet's conversation is a bypass from the email, the bypass report shows
email -> twitter, and the survey sent by DM after resolution records "another channel did not
answer". Bob's email is resolved, then he DMs within the week: his email is no longer FCR.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.utils import format_datetime
from io import StringIO

import pytest
from django.core.management import call_command

from heedful.channels.providers.twitter.fake import FakeTwitterAPI
from heedful.channels.providers.twitter.signing import SIGNATURE_HEADER, webhook_signature
from heedful.contacts.models import Identity
from heedful.core.clock import now
from heedful.feedback.models import Survey, SurveyStatus

TOKEN = "inbound-token-for-tests"
BRAND = {"user_id": "4000", "screen_name": "heedfulhelp", "consumer_key": "ck-heedful",
         "consumer_secret": "cs-heedful-secret", "access_token": "4000-at-heedful",
         "access_token_secret": "ats-heedful"}


@pytest.fixture
def twitter_api():
    with FakeTwitterAPI(consumer_key=BRAND["consumer_key"], consumer_secret=BRAND["consumer_secret"],
                        access_token=BRAND["access_token"], access_token_secret=BRAND["access_token_secret"],
                        user_id=BRAND["user_id"]) as fake:
        yield fake


@pytest.fixture
def desk(make_channel, twitter_api):
    email = make_channel("email", {"address": "support@brand.test", "inbound_token": TOKEN}, name="Support mail")
    twitter = make_channel("twitter", dict(BRAND), {"api_base_url": twitter_api.base_url}, name="@heedfulhelp")
    return email, twitter


def mail(client, channel, sender: str, subject: str, body: str, at, mid: str) -> None:
    raw = (f"From: {sender}\r\nTo: support@brand.test\r\nSubject: {subject}\r\n"
           f"Date: {format_datetime(at)}\r\nMessage-ID: <{mid}@customer.test>\r\n"
           f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()
    response = client.post(f"/hooks/email/{channel.pk}", raw, content_type="message/rfc822",
                           HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content


def signed(client, channel, payload: dict) -> None:
    body = json.dumps(payload, separators=(",", ":")).encode()
    response = client.post(f"/hooks/twitter/{channel.pk}", body, content_type="application/json",
                           headers={SIGNATURE_HEADER: webhook_signature(BRAND["consumer_secret"], body)})
    assert response.status_code == 200, response.content


def tweet(client, channel, user_id: str, screen_name: str, text: str, at, tweet_id: str) -> None:
    signed(client, channel, {"for_user_id": "4000", "tweet_create_events": [{
        "created_at": at.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id_str": tweet_id, "text": f"@heedfulhelp {text}",
        "in_reply_to_status_id_str": None, "in_reply_to_user_id_str": "4000",
        "user": {"id_str": user_id, "name": screen_name, "screen_name": screen_name, "followers_count": 10},
        "entities": {"user_mentions": [{"screen_name": "heedfulhelp", "id_str": "4000", "indices": [0, 12]}]},
        "timestamp_ms": str(int(at.timestamp() * 1000))}]})


def dm(client, channel, user_id: str, screen_name: str, text: str, at, event_id: str) -> None:
    signed(client, channel, {"for_user_id": "4000", "direct_message_events": [{
        "type": "message_create", "id": event_id, "created_timestamp": str(int(at.timestamp() * 1000)),
        "message_create": {"target": {"recipient_id": "4000"}, "sender_id": user_id,
                           "message_data": {"text": text, "entities": {}}}}],
        "users": {user_id: {"id": user_id, "name": screen_name, "screen_name": screen_name},
                  "4000": {"id": "4000", "name": "Heedful Help", "screen_name": "heedfulhelp"}}})


def contact_of(handle: str) -> int:
    return Identity.objects.get(handle=handle).contact_id


def conversation_of(api, contact_id: int, provider: str) -> dict:
    timeline = api.get(f"/api/v1/contacts/{contact_id}").json()["timeline"]
    (found,) = [c for c in timeline if c["provider"] == provider]
    return found


def report(api, name: str, **params) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = api.get(f"/api/v1/reports/{name}?{query}")
    assert response.status_code == 200, response.content
    return response.json()["rows"]


def test_email_unanswered_then_tweet_is_a_bypass_and_the_dm_survey_says_why(client, api, desk, twitter_api):
    email, twitter = desk
    mail(client, email, "Ann K <ann@example.com>", "Refund", "Where is my refund?", now() - timedelta(days=2), "ann-1")
    tweet(client, twitter, "1111", "ann_k", "two days and no answer to my email about the refund", now(), "190001")
    ann_mail, ann_tweet = contact_of("ann@example.com"), contact_of("1111")
    assert ann_mail != ann_tweet
    tweet_conv = conversation_of(api, ann_tweet, "twitter")
    assert api.get(f"/api/v1/conversations/{tweet_conv['id']}").json()["bypass"] is None  # not known yet

    # The agent sees it is the same person: merging keeps the bypass true from now on.
    assert api.post(f"/api/v1/contacts/{ann_tweet}/merge", {"into": ann_mail},
                    content_type="application/json").status_code == 200
    email_conv = conversation_of(api, ann_mail, "email")
    assert api.get(f"/api/v1/conversations/{tweet_conv['id']}").json()["bypass"] == {
        "from_conversation": email_conv["id"], "from_channel": "email"}
    assert api.get(f"/api/v1/conversations/{email_conv['id']}").json()["bypass"] is None
    assert report(api, "channel-bypass") == [
        {"from_channel": "email", "to_channel": "twitter", "customers": 1, "conversations": 1}]

    # Answered in public, resolved: the survey goes by DM, never as a public reply.
    assert api.post(f"/api/v1/conversations/{tweet_conv['id']}/messages", {"text": "Sorry! Sorting it now."},
                    content_type="application/json").status_code in (200, 201)
    assert api.post(f"/api/v1/conversations/{tweet_conv['id']}/resolve").status_code == 200
    messages = api.get(f"/api/v1/conversations/{tweet_conv['id']}/messages").json()["results"]
    (survey_message,) = [m for m in messages if "/s/" in m["text"]]
    assert survey_message["direction"] == "out" and survey_message["public"] is False
    token = re.search(r"/s/([A-Za-z0-9_-]+)", survey_message["text"]).group(1)
    assert survey_message["text"].startswith("Thanks") and f"http://127.0.0.1:8000/s/{token}" in survey_message["text"]
    assert twitter_api.tweets and all(token not in t["text"] for t in twitter_api.tweets)
    assert any(token in json.dumps(e) for e in twitter_api.dm_events)

    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert "You wrote to us by Email on" in page.content.decode() and "why did you choose Twitter/X today?" in page.content.decode()
    answered = client.post(f"/s/{token}", {"csat": "4", "why": "other_channel_no_answer", "why_text": "<b>no reply</b>"})
    assert answered.status_code == 200 and b"Thank you" in answered.content
    assert client.post(f"/s/{token}", {"csat": "1", "why": "fastest"}).status_code == 200  # once only
    survey = Survey.objects.get(token=token)
    assert (survey.csat, survey.why, survey.contact_id) == (4, "other_channel_no_answer", ann_mail)
    assert report(api, "why-channel") == [{"channel": "twitter", "why": "other_channel_no_answer", "answers": 1}]
    (csat,) = report(api, "csat")
    assert csat["channel"] == "twitter" and csat["answers"] == 1 and csat["mean"] == 4.0
    assert csat["distribution"]["4"] == 1


def test_dm_after_the_email_was_resolved_makes_the_email_not_fcr(client, api, desk, twitter_api):
    email, twitter = desk
    mail(client, email, "Bob <bob@example.com>", "Login", "I cannot log in", now() - timedelta(days=3), "bob-1")
    bob = contact_of("bob@example.com")
    email_conv = conversation_of(api, bob, "email")
    api.post(f"/api/v1/conversations/{email_conv['id']}/messages", {"text": "Reset link sent."},
             content_type="application/json")
    assert api.post(f"/api/v1/conversations/{email_conv['id']}/resolve").status_code == 200
    (row,) = report(api, "resolution", channel="email")
    assert (row["resolved"], row["fcr_rate"], row["one_touch_rate"]) == (1, 1.0, 1.0)
    assert Survey.objects.get(conversation_id=email_conv["id"]).status == SurveyStatus.SENT  # by email

    dm(client, twitter, "2222", "bob_b", "the reset link does not work", now() + timedelta(minutes=1), "dm-2222-1")
    api.post(f"/api/v1/contacts/{contact_of('2222')}/merge", {"into": bob}, content_type="application/json")
    (row,) = report(api, "resolution", channel="email")
    assert (row["resolved"], row["fcr_rate"]) == (1, 0.0)
    repeats = {r["channel"]: r for r in report(api, "repeat-contacts")}
    assert repeats["email"]["repeat_7d"] == 0

    # One survey per customer per 7 days, across channels: the DM's resolution sends none.
    dm_conv = conversation_of(api, bob, "twitter")
    api.post(f"/api/v1/conversations/{dm_conv['id']}/resolve")
    assert not Survey.objects.filter(conversation_id=dm_conv["id"]).exists()


def test_an_undone_merge_takes_the_bypass_back(client, api, desk):
    email, twitter = desk
    mail(client, email, "Cy <cy@example.com>", "Hello", "Question", now() - timedelta(days=1), "cy-1")
    tweet(client, twitter, "3333", "cy_x", "a question", now(), "190333")
    cy_mail, cy_tweet = contact_of("cy@example.com"), contact_of("3333")
    api.post(f"/api/v1/contacts/{cy_tweet}/merge", {"into": cy_mail}, content_type="application/json")
    assert len(report(api, "channel-bypass")) == 1
    assert api.post(f"/api/v1/contacts/{cy_tweet}/unmerge").status_code == 200
    assert report(api, "channel-bypass") == []
    tweet_conv = conversation_of(api, cy_tweet, "twitter")
    assert api.get(f"/api/v1/conversations/{tweet_conv['id']}").json()["bypass"] is None
    before = {r["channel"]: r for r in report(api, "volume")}
    call_command("rebuild_rollups", "--quiet", stdout=StringIO())
    assert {r["channel"]: r for r in report(api, "volume")} == before
    assert report(api, "channel-bypass") == []
