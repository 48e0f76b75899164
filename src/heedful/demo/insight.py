"""The insight story of the demo: why customers go around the official channels.

Seeded through the real ingestion path (raw mail, a Twitter Account Activity payload), with the
provider's own timestamps spread over the last two weeks, so `/reports/` shows real charts:
- customers who emailed, got no answer and tweeted days later (a bypass email -> twitter, found
  once the agent merges the two handles), then answered the DM survey "the other channel did not
  answer";
- a customer who came back a few days after a "resolved" email (not first-contact resolution);
- customers who were helped first time on email and on X, and said why they chose the channel.
The customer texts are written for the demo; no real customer data ships.
"""

from __future__ import annotations

import email.utils
import json
import time
from datetime import timedelta
from email.message import EmailMessage

from django.db import transaction
from django.utils import timezone

from heedful.contacts import merging
from heedful.contacts.models import Identity
from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Conversation, Status
from heedful.feedback import actions as feedback
from heedful.feedback.models import Survey
from heedful.ingestion.store import store_event
from heedful.outbound import replies

DOMAIN = "insight.demo.heedful.test"
# (name, email, twitter id, story, days ago, survey answer)
BYPASSERS = [
    ("Priya Shah", "priya", "7100001", "My refund for order 5521 never arrived.", 11, (2, "other_channel_no_answer")),
    ("Tom Becker", "tom", "7100002", "The router you sent does not power on.", 8, (3, "other_channel_no_answer")),
    ("Lena Vogt", "lena", "7100003", "I was charged twice for my subscription.", 5, (4, "tried_before_not_resolved")),
    ("Omar Haddad", "omar", "7100004", "Where is my replacement card?", 3, (3, "other_channel_no_answer")),
]
EMAILERS = [
    ("Ruth Klein", "ruth", "How do I export my invoices?", 13, (5, "prefer_writing")),
    ("Jonas Weber", "jonas", "Can I change my delivery address?", 9, (5, "usual_channel")),
    ("Mia Laurent", "mia", "The app will not let me reset my password.", 6, (4, "prefer_writing")),
    ("Sam Osei", "sam", "Is my warranty still valid?", 2, (5, "fastest")),
]
TWEETERS = [
    ("7200001", "kai_r", "@HeedfulDemo is the Berlin store open on Sunday?", 12, (5, "fastest")),
    ("7200002", "noor_a", "@HeedfulDemo your checkout keeps failing, I want everyone to know", 7, (2, "public_visibility")),
    ("7200003", "eli_m", "@HeedfulDemo how do I pause my plan?", 4, (4, "usual_channel")),
]


def _mail(name: str, local: str, subject: str, body: str, when) -> bytes:
    msg = EmailMessage()
    msg["From"] = email.utils.formataddr((name, f"{local}@{DOMAIN}"))
    msg["To"] = "support@demo.heedful.test"
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(when)
    msg["Message-ID"] = email.utils.make_msgid(idstring=local, domain=DOMAIN)
    msg.set_content(body)
    return msg.as_bytes()


def _tweet(brand_id: str, user_id: str, screen_name: str, name: str, text: str, when, tweet_id: str) -> bytes:
    return json.dumps({"for_user_id": brand_id, "tweet_create_events": [{
        "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id_str": tweet_id, "text": text,
        "in_reply_to_status_id_str": None, "in_reply_to_user_id_str": brand_id,
        "user": {"id_str": user_id, "name": name, "screen_name": screen_name, "followers_count": 240},
        "timestamp_ms": str(int(when.timestamp() * 1000))}]}).encode()


def _store(channel, key: str, raw: bytes, content_type: str) -> Conversation | None:
    with transaction.atomic():
        store_event(channel, channel.provider, key, raw, content_type)
    return Conversation.objects.filter(channel=channel).order_by("-pk").first()


def _answer(conversation: Conversation, answer: tuple[int, str]) -> None:
    survey = Survey.objects.filter(conversation=conversation).first()
    if survey is not None and survey.message_id and not survey.answered_at:
        feedback.answer(survey, csat=answer[0], why=answer[1])


def _reply_and_resolve(agent, conversation: Conversation, text: str, answer=None) -> None:
    with transaction.atomic():
        replies.reply(agent, conversation, text)
    with transaction.atomic():
        conversation_actions.resolve(agent, Conversation.objects.get(pk=conversation.pk))
    if answer:
        _answer(conversation, answer)


def _merge(agent, handle_from: str, handle_into: str) -> None:
    source = Identity.objects.get(handle=handle_from).contact
    target = Identity.objects.get(handle=handle_into).contact
    if source.pk != target.pk:
        with transaction.atomic():
            merging.merge(agent, source, target, reason="demo")


def seed_insight(email_channel, twitter_channel, agent) -> int:
    """Seed the story once; returns the number of conversations it added (0 when present)."""
    if Identity.objects.filter(handle__endswith=f"@{DOMAIN}").exists():
        return 0
    before = Conversation.objects.count()
    now = timezone.now()
    brand_id = twitter_channel.credential("user_id") or "0"
    for name, local, user_id, text, days, answer in BYPASSERS:  # email, silence, then a tweet
        sent = now - timedelta(days=days, hours=5)
        _store(email_channel, f"insight-{local}", _mail(name, local, "Help please", text, sent), "message/rfc822")
        later = sent + timedelta(days=2, hours=1)
        tweet = _tweet(brand_id, user_id, local + "_x", name, f"@HeedfulDemo emailed you two days ago, no answer. {text}",
                       later, f"71{user_id}")
        conversation = _store(twitter_channel, f"insight-tweet-{local}", tweet, "application/json")
        _merge(agent, user_id, f"{local}@{DOMAIN}")
        if conversation is not None:
            _reply_and_resolve(agent, conversation, f"@{local}_x Sorry for the wait, we are on it. Check your DMs.", answer)
    for name, local, text, days, answer in EMAILERS:  # helped first time by email
        sent = now - timedelta(days=days, hours=2)
        conversation = _store(email_channel, f"insight-{local}", _mail(name, local, text, text, sent), "message/rfc822")
        if conversation is not None:
            _reply_and_resolve(agent, conversation, "Thanks for writing. Here is how to do it.", answer)
    for user_id, handle, text, days, answer in TWEETERS:  # helped in public, surveyed by DM
        sent = now - timedelta(days=days, hours=3)
        conversation = _store(twitter_channel, f"insight-tweet-{handle}",
                              _tweet(brand_id, user_id, handle, handle, text, sent, f"72{user_id}"), "application/json")
        if conversation is not None:
            _reply_and_resolve(agent, conversation, f"@{handle} Happy to help, details in your DMs.", answer)
    _came_back(email_channel, agent, now)
    return Conversation.objects.count() - before


def _came_back(email_channel, agent, now) -> None:
    """A 'resolved' email whose customer wrote again after the resolution: not FCR. (The
    resolution happens now, as the agent clicks; so does her second mail.)"""
    sent = now - timedelta(days=3)
    first = _store(email_channel, "insight-nina-1", _mail("Nina Petrov", "nina", "Order never arrived",
                                                          "My order 7781 never arrived.", sent), "message/rfc822")
    if first is None:
        return
    _reply_and_resolve(agent, first, "It is on its way, you will have it tomorrow.", (2, "usual_channel"))
    # A mail's Date has whole seconds: the next second is surely after the resolution.
    written = (timezone.now() + timedelta(seconds=1)).replace(microsecond=0)
    again = _store(email_channel, "insight-nina-2", _mail("Nina Petrov", "nina", "Still no parcel",
                                                          "Still nothing. You said tomorrow!", written),
                   "message/rfc822")
    time.sleep(max(0.0, (written - timezone.now()).total_seconds()) + 0.01)  # the answer comes after it
    if again is not None and again.pk != first.pk and again.status != Status.RESOLVED:
        with transaction.atomic():
            replies.reply(agent, again, "So sorry. A courier will bring a new one today.")
