"""A Contact is one customer; an Identity is one of their handles on one provider."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper

from heedful.channels import registry
from heedful.core.models import TimeStamped


class Contact(TimeStamped):
    name = models.CharField(max_length=255, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    followers_count = models.PositiveIntegerField(default=0)
    verified = models.BooleanField(default=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Same-name link suggestions look contacts up by upper-cased name (contacts/linking.py).
        indexes = [models.Index(Upper("name"), name="contact_name_upper")]

    def __str__(self):
        return self.name or f"Contact #{self.pk}"


class Identity(TimeStamped):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    # A kind a provider declares (channels.registry.identity_kind); no fixed list here, so a
    # new provider brings its own kinds.
    kind = models.CharField(max_length=20)
    handle = models.CharField(max_length=320, help_text="normalised: lower-case email, E.164 phone, provider id")
    display_name = models.CharField(max_length=255, blank=True)
    username = models.CharField(max_length=255, blank=True, help_text="screen name where the provider has one")
    followers_count = models.PositiveIntegerField(default=0)
    verified = models.BooleanField(default=False)
    blocked = models.BooleanField(default=False, help_text="erased: never re-linked")
    # How this handle joined its contact when not by its own first message (see linking.py).
    linked_via = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "handle"], name="identity_kind_handle")]

    def __str__(self):
        return f"{self.kind}:{self.username or self.handle}"

    @property
    def kind_label(self) -> str:
        return registry.identity_kind(self.kind).label


class ContactNote(TimeStamped):
    """A private note about the customer (not about one conversation)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class LinkSuggestion(TimeStamped):
    """A possible link an agent must confirm: `contact` may be `other`, or own `handle`.

    Confirming merges `contact` into `other` (or, without `other`, adds the handle to `contact`).
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="link_suggestions")
    other = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    handle_kind = models.CharField(max_length=20, blank=True)
    handle = models.CharField(max_length=320, blank=True)
    reason = models.CharField(max_length=40)
    evidence = models.JSONField(default=dict, blank=True)  # message id, similarity ...
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["contact", "status"], name="suggestion_contact"),
                   models.Index(fields=["other", "status"], name="suggestion_other")]


class MergeRecord(models.Model):
    """What one merge moved (ids) and both contacts' fields before it, so unmerge is exact."""

    source = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_out")
    target = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_in")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    reason = models.CharField(max_length=40, blank=True)
    moved = models.JSONField(default=dict)  # {"identities": [ids], "conversations": [...], ...}
    before = models.JSONField(default=dict)  # {"source": fields, "target": fields}
    after = models.JSONField(default=dict)  # {"target": fields}: tells later edits from the merge's
    created_at = models.DateTimeField(auto_now_add=True)
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Erasure blanks the snapshots (they hold personal data); such a merge cannot be undone.
    erased = models.BooleanField(default=False)
