"""Forum tables. Only `community.actions` (and `community.moderation`) write them."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q

USER = settings.AUTH_USER_MODEL


class PostStatus(models.TextChoices):
    VISIBLE = "visible", "Visible"
    REVIEW = "review", "Waiting for review"
    HIDDEN = "hidden", "Hidden"


class MemberProfile(models.Model):
    """A forum member. The member's password lives here; the Django user's is unusable, so the
    agent login never accepts a member."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="member")
    password = models.CharField(max_length=128)
    trust_level = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Reading and writing counters behind the trust levels (Discourse's names).
    topics_entered = models.PositiveIntegerField(default=0)
    posts_read = models.PositiveIntegerField(default=0)
    read_seconds = models.PositiveIntegerField(default=0)
    days_visited = models.PositiveIntegerField(default=0)
    last_visited_on = models.DateField(null=True, blank=True)
    likes_given = models.PositiveIntegerField(default=0)
    likes_received = models.PositiveIntegerField(default=0)
    topics_created = models.PositiveIntegerField(default=0)
    replies_created = models.PositiveIntegerField(default=0)
    email_notifications = models.BooleanField(default=True)

    def __str__(self):
        return f"member {self.user_id} (TL{self.trust_level})"


class MemberToken(models.Model):
    """A member's API key (`heedful create-member`). Only its SHA-256 is stored. Separate from
    the agents' `accounts.ApiToken`: a member key never opens the desk's API."""

    member = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "m_" + secrets.token_hex(20)


class Category(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    # A support category's unanswered topics go to the desk after this many minutes (0: at once).
    support = models.BooleanField(default=False)
    escalate_after_minutes = models.PositiveIntegerField(default=60)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.SlugField(max_length=40, unique=True)

    def __str__(self):
        return self.name


class Topic(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="topics")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, allow_unicode=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="topics")
    created_at = models.DateTimeField()
    last_posted_at = models.DateTimeField()
    # False while the opening post waits for review or is hidden: not listed, not searchable.
    visible = models.BooleanField(default=True)
    closed = models.BooleanField(default=False)
    highest_number = models.PositiveIntegerField(default=0)
    replies_count = models.PositiveIntegerField(default=0, help_text="visible replies")
    views = models.PositiveIntegerField(default=0)
    accepted_post = models.ForeignKey("Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    solved_at = models.DateTimeField(null=True, blank=True)
    first_reply_at = models.DateTimeField(null=True, blank=True, help_text="first answer by someone else")
    answered_by_staff = models.BooleanField(default=False)
    # Escalation to the desk: due at `escalate_at` if still unanswered, or at once when a member
    # asked for staff; `escalated_at` is set once the conversation's event is stored.
    escalate_at = models.DateTimeField(null=True, blank=True)
    staff_requested_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The desk's conversation for it. A plain id, not a foreign key: the desk sits outside the forum.
    desk_conversation_id = models.BigIntegerField(null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Title, question and accepted answer as plain text: what full-text search reads.
    search_text = models.TextField(blank=True)
    # PostgreSQL: title (weight A) and search_text (B) as a stored tsvector with a GIN index,
    # kept by the actions; unused (null) on SQLite.
    search_vector = SearchVectorField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["category", "-last_posted_at", "-id"], name="topic_category_latest"),
            models.Index(fields=["-last_posted_at", "-id"], name="topic_latest"),
            models.Index(fields=["escalate_at"], name="topic_escalation_due",
                         condition=Q(escalated_at__isnull=True, escalate_at__isnull=False)),
            models.Index(fields=["staff_requested_at"], name="topic_staff_requested",
                         condition=Q(escalated_at__isnull=True, staff_requested_at__isnull=False)),
        ]

    def __str__(self):
        return self.title

    @property
    def solved(self) -> bool:
        return self.accepted_post_id is not None

    def get_absolute_url(self) -> str:
        return f"/community/t/{self.pk}/{self.slug or 'topic'}/"


class Post(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    number = models.PositiveIntegerField(help_text="1 is the question")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=150)
    staff = models.BooleanField(default=False)
    body = models.TextField(help_text="Markdown as written")
    body_html = models.TextField(help_text="rendered and sanitised")
    status = models.CharField(max_length=8, choices=PostStatus.choices, default=PostStatus.VISIBLE)
    review_reason = models.CharField(max_length=200, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True)
    flag_score = models.PositiveIntegerField(default=0)
    votes_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    # A staff answer from the desk: the outbound idempotency key, so a resend posts nothing new.
    desk_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "number"], name="post_number_per_topic")]
        indexes = [
            models.Index(fields=["status", "created_at"], name="post_review_queue",
                         condition=Q(status="review")),
            models.Index(fields=["author", "created_at"], name="post_author_recent"),
        ]

    def __str__(self):
        return f"post {self.topic_id}#{self.number}"


class Vote(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_vote_per_post")]


class FlagReason(models.TextChoices):
    SPAM = "spam", "Spam"
    INAPPROPRIATE = "inappropriate", "Inappropriate"
    OFF_TOPIC = "off_topic", "Off-topic"
    NEEDS_STAFF = "needs_staff", "Needs the brand's staff"


class Flag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=FlagReason.choices)
    weight = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_flag_per_post")]


class Subscription(models.Model):
    """Someone who gets an email for each new visible post of the topic."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="one_subscription")]


class TopicRead(models.Model):
    """How far a member has read a topic: feeds "topics entered" and "posts read"."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="+")
    posts_seen = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "member"], name="one_read_per_topic")]


class PrivateMessage(models.Model):
    """A message between the brand's staff and one member, after a topic's matter moved private
    (the member has no email the desk can use). Only that member and staff read it."""

    member = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="private_messages")
    from_staff = models.BooleanField(default=False)
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=150)
    body = models.TextField(help_text="Markdown as written")
    body_html = models.TextField(help_text="rendered and sanitised")
    created_at = models.DateTimeField()
    # A staff message from the desk: the outbound idempotency key, so a resend posts nothing new.
    desk_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        indexes = [models.Index(fields=["member", "created_at"], name="private_message_member")]

    def __str__(self):
        return f"private message {self.pk} ({self.member_id})"
