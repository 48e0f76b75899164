"""Seed the demo desk through the real ingestion path (raw RFC 822 mail -> pipeline)."""

from __future__ import annotations

import email.utils
from datetime import timedelta
from email.message import EmailMessage

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from heedful.accounts.models import Profile, Role, Team
from heedful.channels.models import Channel
from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Conversation, Message
from heedful.demo import stories
from heedful.ingestion.store import store_event
from heedful.outbound import replies

DEMO_USERS = {"admin": ("heedful-admin", Role.ADMIN), "agent": ("heedful-agent", Role.AGENT)}
SUPPORT_ADDRESS = "support@demo.heedful.test"
DEMO_TWITTER_ID = "900000001"


def ensure_users() -> dict:
    User = get_user_model()
    support, _ = Team.objects.get_or_create(slug="support", defaults={"name": "Support"})
    social, _ = Team.objects.get_or_create(slug="social", defaults={"name": "Social care"})
    users = {}
    for username, (password, role) in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, f"{username}@demo.heedful.test", password,
                                            first_name=username.title(), is_staff=role == Role.ADMIN,
                                            is_superuser=role == Role.ADMIN)
        profile, _ = Profile.objects.get_or_create(user=user, defaults={"role": role})
        profile.teams.add(support, social)  # the demo agent works every channel
        users[username] = user
    return users


def ensure_email_channel(smtp_port: int) -> Channel:
    channel = Channel.objects.filter(provider="email", name="Support mailbox").first()
    if channel is None:
        channel = Channel.objects.create(
            provider="email", name="Support mailbox", team=Team.objects.get(slug="support"),
            credentials={"address": SUPPORT_ADDRESS, "inbound_token": Channel.new_token(),
                         "smtp_host": "127.0.0.1", "smtp_port": str(smtp_port)},
        )
    return channel


def ensure_twitter_channel(api_base_url: str) -> Channel:
    """The brand's X account; replies go to a local fake of the X API (no network here)."""
    channel = Channel.objects.filter(provider="twitter", name="Brand on X").first()
    if channel is None:
        channel = Channel.objects.create(
            provider="twitter", name="Brand on X", team=Team.objects.get(slug="social"),
            credentials={"user_id": DEMO_TWITTER_ID, "screen_name": "HeedfulDemo",
                         "consumer_key": Channel.new_token(), "consumer_secret": Channel.new_token(),
                         "access_token": Channel.new_token(), "access_token_secret": Channel.new_token()},
        )
    channel.settings = {**channel.settings, "api_base_url": api_base_url}
    channel.save(update_fields=["settings"])
    return channel


def _mail(sender_name, sender, subject, body, when, in_reply_to="", references=()) -> bytes:
    msg = EmailMessage()
    msg["From"] = email.utils.formataddr((sender_name, sender))
    msg["To"] = SUPPORT_ADDRESS
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(when)
    msg["Message-ID"] = email.utils.make_msgid(domain=sender.split("@")[1])
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = " ".join([*references, in_reply_to])
    msg.set_content(body)
    return msg.as_bytes()


def _ingest(channel, raw: bytes) -> None:
    with transaction.atomic():
        store_event(channel, "email", email.message_from_bytes(raw)["Message-ID"], raw, "message/rfc822")


def seed_email(channel: Channel, agent) -> int:
    """Mail in, agent replies out over SMTP, customers answer in the same thread."""
    if Message.objects.filter(channel=channel).exists():
        return 0
    start = timezone.now() - timedelta(days=3)
    for i, (name, address, story, order) in enumerate(stories.conversations()):
        when = start + timedelta(hours=3 * i)
        first = name.split()[0]
        fill = {"n": order, "name": name, "first": first}
        _ingest(channel, _mail(name, address, story.subject.format(**fill), story.opening.format(**fill), when))
        conversation = Conversation.objects.filter(channel=channel).order_by("-pk").first()
        if conversation is None or not story.agent_reply:
            continue
        with transaction.atomic():
            reply = replies.reply(agent, conversation, story.agent_reply.format(**fill))
        if story.follow_up:
            reply.refresh_from_db()
            _ingest(channel, _mail(name, address, "Re: " + conversation.subject, story.follow_up,
                                   when + timedelta(hours=1), reply.provider_message_id))
        if story.resolved:
            with transaction.atomic():
                conversation_actions.resolve(agent, Conversation.objects.get(pk=conversation.pk))
    return Conversation.objects.filter(channel=channel).count()
