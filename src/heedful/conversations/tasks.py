"""Conversation jobs (Celery tasks in production, in-process in embedded mode)."""

from celery import shared_task

from heedful.conversations import snooze
from heedful.core import jobs


@shared_task(name="heedful.conversations.wake_snoozed")
@jobs.job("heedful.conversations.wake_snoozed")
def wake_snoozed() -> int:
    return snooze.wake_due()
