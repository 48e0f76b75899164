"""Ingestion jobs (Celery tasks in production, in-process in embedded mode)."""

from celery import shared_task

from heedful.core import jobs
from heedful.ingestion import actions, lookups


@shared_task(name="heedful.ingestion.process", acks_late=True)
@jobs.job("heedful.ingestion.process")
def process(event_ids: list[int]) -> dict:
    return actions.process(event_ids)


@shared_task(name="heedful.ingestion.lookup", acks_late=True)
@jobs.job("heedful.ingestion.lookup")
def lookup(lookup_ids: list[int]) -> dict:
    return lookups.run(lookup_ids)


@shared_task(name="heedful.ingestion.sweep")
@jobs.job("heedful.ingestion.sweep")
def sweep() -> int:
    return actions.sweep()


@shared_task(name="heedful.ingestion.poll_mailboxes")
@jobs.job("heedful.ingestion.poll_mailboxes")
def poll_mailboxes() -> int:
    from heedful.ingestion import polling

    return polling.poll_all()
