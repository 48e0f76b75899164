"""A Contact is one customer; an Identity is one of their handles on one provider."""

from django.db import models

from heedful.core.models import TimeStamped


class IdentityKind(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    TWITTER = "twitter", "Twitter/X"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    WHATSAPP = "whatsapp", "WhatsApp"
    WEBCHAT = "webchat", "Web chat visitor"
    FORUM = "forum", "Community account"
    API = "api", "API"


class Contact(TimeStamped):
    name = models.CharField(max_length=255, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    followers_count = models.PositiveIntegerField(default=0)
    verified = models.BooleanField(default=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name or f"Contact #{self.pk}"


class Identity(TimeStamped):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    handle = models.CharField(max_length=320, help_text="normalised: lower-case email, E.164 phone, provider id")
    display_name = models.CharField(max_length=255, blank=True)
    username = models.CharField(max_length=255, blank=True, help_text="screen name where the provider has one")
    followers_count = models.PositiveIntegerField(default=0)
    verified = models.BooleanField(default=False)
    blocked = models.BooleanField(default=False, help_text="erased: never re-linked")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "handle"], name="identity_kind_handle")]

    def __str__(self):
        return f"{self.kind}:{self.username or self.handle}"
