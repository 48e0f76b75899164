"""Integration jobs (Celery tasks in production, in-process in embedded mode, inline in tests)."""

from celery import shared_task

from heedful.core import jobs
from heedful.integrations import delivery


@shared_task(name="heedful.integrations.deliver")
@jobs.job("heedful.integrations.deliver")
def deliver(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)


@shared_task(name="heedful.integrations.sweep")
@jobs.job("heedful.integrations.sweep")
def sweep() -> int:
    """Due retries, and deliveries a crashed worker left claimed."""
    due = delivery.due()
    for delivery_id in due:
        jobs.enqueue_now("heedful.integrations.deliver", delivery_id)
    return len(due)
