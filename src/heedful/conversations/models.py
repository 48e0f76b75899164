"""Conversations, their messages, private notes and attachments."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from heedful.core.models import TimeStamped


class Status(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Resolved"


class Priority(models.IntegerChoices):
    LOW = 0, "Low"
    NORMAL = 1, "Normal"
    HIGH = 2, "High"
    URGENT = 3, "Urgent"


class Direction(models.TextChoices):
    IN = "in", "Inbound"
    OUT = "out", "Outbound"


class Delivery(models.TextChoices):
    RECEIVED = "received", "Received"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"


# No brand message since the customer's last one. A query must spell the condition this way for
# PostgreSQL to use the partial index conv_open_awaiting.
AWAITING_REPLY = Q(last_outbound_at__isnull=True) | Q(last_outbound_at__lt=F("last_inbound_at"))


# What the inbox index carries besides its order: the reader scope's columns (team, channel,
# assignee; accounts.access.conversations_for).
INBOX_FILTERED = ("team", "channel", "assignee")


class Conversation(models.Model):
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="conversations")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="conversations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    # Sort key inside a priority band: reach and sentiment push public complaints up.
    score = models.FloatField(default=0.0)
    public = models.BooleanField(default=False)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_conversations"
    )
    subject = models.CharField(max_length=500, blank=True)
    # Provider thread key (DM conversation id, mailbox thread root ...), used to find the thread.
    thread_key = models.CharField(max_length=255, blank=True, db_index=True)
    sentiment = models.FloatField(null=True, blank=True)
    messages_count = models.PositiveIntegerField(default=0)
    replies_count = models.PositiveIntegerField(default=0, help_text="messages from the brand")
    reopened_count = models.PositiveIntegerField(default=0, help_text="times it came back after resolved")
    preview = models.CharField(max_length=280, blank=True)
    created_at = models.DateTimeField(db_index=True)
    last_activity_at = models.DateTimeField(db_index=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    # The newest brand message (any, a survey too): with last_inbound_at it says whether the
    # customer awaits an answer without reading the messages (`AWAITING_REPLY`).
    last_outbound_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # The public conversation this private one continues (a forum topic's matter moved private).
    continued_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="continued_in")

    class Meta:
        indexes = [
            # The inbox order. The columns a reader's scope and the common filters test are kept
            # in the index too, so walking it to the first 50 rows a team agent may read (or of
            # one channel) reads no conversation row it then throws away.
            models.Index(fields=["status", "-priority", "-last_activity_at", "-id"], name="conv_inbox",
                         include=INBOX_FILTERED),
            # the inbox with every status ("any"): same order, no status prefix
            models.Index(fields=["-priority", "-last_activity_at", "-id"], name="conv_inbox_any",
                         include=INBOX_FILTERED),
            models.Index(fields=["contact", "-last_activity_at"], name="conv_contact_timeline"),
            models.Index(fields=["team", "status", "-priority", "-last_activity_at"], name="conv_team_inbox"),
            models.Index(fields=["assignee", "status", "-last_activity_at"], name="conv_assignee_inbox"),
            # the "SLA at risk" view and its count: open, unanswered, by how long they waited
            models.Index(fields=["last_inbound_at"], condition=Q(status="open") & AWAITING_REPLY,
                         name="conv_open_awaiting"),
        ]

    def __str__(self):
        return f"Conversation #{self.pk}"


class MessageQuerySet(models.QuerySet):
    def with_provider_ids(self, ids):
        """Messages with any of these provider ids, through the unique (provider id, channel)
        index. That index leaves blank ids out, and PostgreSQL proves a query fits a partial
        index only if the query says so as well once an IN list is longer than 100."""
        return self.filter(provider_message_id__in=list(ids)).exclude(provider_message_id="")


# Negative customer messages, for the virality check's per-day counts (routing.virality): the
# same threshold as routing.priority.NEGATIVE, which a plan test holds them to.
NEGATIVE_MENTION = Q(direction="in", automated=False, sentiment__lte=-0.05)


class Message(models.Model):
    # No index of its own: msg_thread_order (conversation, sent_at, id) starts with it, and on
    # the busiest table every index is paid on each insert.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages",
                                     db_index=False)
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    # Indexed only where set (msg_author_user): customers' messages, most of the table, have none.
    author_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)
    author_identity = models.ForeignKey("contacts.Identity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True, help_text="full plain text, quotes included")
    display_text = models.TextField(blank=True, help_text="quoted replies and signature stripped")
    html = models.TextField(blank=True, help_text="sanitised HTML, safe to render")
    provider_message_id = models.CharField(max_length=255, blank=True)
    reply_to_provider_id = models.CharField(max_length=255, blank=True)
    public = models.BooleanField(default=False)
    automated = models.BooleanField(default=False, help_text="auto-reply, bounce or bulk mail")
    sent_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivery_status = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.RECEIVED)
    delivery_error = models.CharField(max_length=500, blank=True)
    sentiment = models.FloatField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # The ingestion event this message was stored from. A plain key, not a foreign key: the
    # ingestion app sits above conversations, and erasure looks it up by message, so no index.
    inbound_event_id = models.BigIntegerField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        # The provider id leads, so this one index also answers a lookup by provider id alone
        # (the API's ?provider_message_id=): every index on this table is paid on each insert.
        constraints = [
            models.UniqueConstraint(
                fields=["provider_message_id", "channel"],
                condition=~Q(provider_message_id=""),
                name="message_provider_id_per_channel",
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "sent_at", "id"], name="msg_thread_order"),
            models.Index(fields=["author_user"], condition=Q(author_user__isnull=False), name="msg_author_user"),
            # Without it the virality check read the whole table every sweep (a second at 5M
            # messages, and the table's pages pushed out of the cache for the writers).
            models.Index(fields=["sent_at"], include=["channel"], condition=NEGATIVE_MENTION,
                         name="msg_negative_mentions"),
        ]

    def __str__(self):
        return f"Message #{self.pk} ({self.direction})"


class Note(TimeStamped):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()


def attachment_path(instance, filename):
    return f"attachments/{instance.message.conversation_id}/{instance.message_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500, blank=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    remote_url = models.URLField(max_length=1000, blank=True, help_text="provider-hosted media")
    skipped_reason = models.CharField(max_length=255, blank=True, help_text="why the bytes were not stored")


class Label(models.Model):
    """A tag agents put on conversations ("refund", "outage"); `conversation.labels` lists them."""

    name = models.CharField(max_length=60, unique=True)
    conversations = models.ManyToManyField(Conversation, blank=True, related_name="labels")

    class Meta:
        ordering = ["name"]
        # the API's `?label=refund` is name__iexact: UPPER(name) = UPPER(%s); the through table's
        # (label_id, conversation_id) index then gives the label's conversations
        indexes = [models.Index(Upper("name"), name="label_name_upper")]

    def __str__(self):
        return self.name


class CannedResponse(TimeStamped):
    """A saved reply. `{{customer.name}}`, `{{agent.name}}` ... are filled in when inserted."""

    title = models.CharField(max_length=120)
    text = models.TextField()
    # None: every agent may use it; else only members of this team.
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class ConversationMerge(models.Model):
    """`source` was folded into `target`: its messages and notes moved there."""

    source = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="merged_into")
    target = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="merged_from")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
