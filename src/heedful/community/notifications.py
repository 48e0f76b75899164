"""Email to a topic's subscribers for each new visible post. Runs as a job after commit, so a
rolled-back post mails nobody and a slow mail server never holds a request."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from heedful.community import markdown
from heedful.community.models import MemberProfile, Post, PostStatus, Subscription

log = logging.getLogger(__name__)


def recipients(post: Post) -> list[str]:
    """Subscribers' addresses, without the author and members who turned mail off."""
    users = (Subscription.objects.filter(topic_id=post.topic_id).exclude(user_id=post.author_id)
             .filter(user__is_active=True).exclude(user__email="")
             .values_list("user_id", "user__email"))
    muted = set(MemberProfile.objects.filter(email_notifications=False).values_list("user_id", flat=True))
    return sorted({email for user_id, email in users if user_id not in muted})


def notify(post_id: int) -> int:
    """Mail one message per subscriber (no address sees another's). Returns how many went."""
    post = Post.objects.select_related("topic").filter(pk=post_id, status=PostStatus.VISIBLE).first()
    if post is None:
        return 0
    to = recipients(post)
    if not to:
        return 0
    topic = post.topic
    url = settings.HEEDFUL_BASE_URL.rstrip("/") + topic.get_absolute_url()
    who = post.author_name + (" (staff)" if post.staff else "")
    body = f"{who} wrote in \u201c{topic.title}\u201d:\n\n{markdown.plain_text(post.body)}\n\nRead and reply: {url}\n"
    subject = f"[Community] {topic.title}"[:200]
    sender = getattr(settings, "HEEDFUL_COMMUNITY_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL)
    messages = [EmailMessage(subject, body, sender, [address]) for address in to]
    try:
        sent = get_connection().send_messages(messages) or 0
    except (OSError, smtplib.SMTPException) as exc:  # a mail server away must not undo the post
        log.warning("community post %s: notifications not sent (%s)", post.pk, type(exc).__name__)
        return 0
    log.info("community post %s: %s notification(s) sent", post.pk, sent)
    return sent
