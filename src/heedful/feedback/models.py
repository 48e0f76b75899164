"""Surveys sent to customers after a resolution, and their answers."""

from django.db import models


class SurveyStatus(models.TextChoices):
    SENT = "sent", "Sent"
    NOT_SENT = "not_sent", "Not sent"
    ANSWERED = "answered", "Answered"


class Why(models.TextChoices):
    FASTEST = "fastest", "It is the fastest way"
    OTHER_CHANNEL_NO_ANSWER = "other_channel_no_answer", "Another channel did not answer"
    TRIED_BEFORE_NOT_RESOLVED = "tried_before_not_resolved", "I tried before and it did not work"
    PREFER_WRITING = "prefer_writing", "I prefer writing"
    PUBLIC_VISIBILITY = "public_visibility", "I wanted it to be seen publicly"
    USUAL_CHANNEL = "usual_channel", "It is the channel I usually use"
    OTHER = "other", "Other"


class Survey(models.Model):
    """One per conversation at most. `token` is the only credential of the survey page (256
    random bits, in the link the customer got), so it is compared as a whole and never logged."""

    conversation = models.OneToOneField("conversations.Conversation", on_delete=models.CASCADE, related_name="survey")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="surveys")
    provider = models.CharField(max_length=40)
    token = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=SurveyStatus.choices)
    reason = models.CharField(max_length=300, blank=True, help_text="why it was not sent")
    message_id = models.BigIntegerField(null=True, blank=True, help_text="the outbound message that carried it")
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField()
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    why = models.CharField(max_length=30, choices=Why.choices, blank=True)
    why_text = models.CharField(max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["contact", "created_at"], name="survey_contact_recent")]
