"""Outbound jobs (Celery tasks in production, in-process in embedded mode)."""

from celery import shared_task

from heedful.core import jobs
from heedful.outbound import actions


@shared_task(name="heedful.outbound.deliver")
@jobs.job("heedful.outbound.deliver")
def deliver(outbound_id: int) -> str:
    return actions.deliver(outbound_id)


@shared_task(name="heedful.outbound.sweep")
@jobs.job("heedful.outbound.sweep")
def sweep() -> int:
    return actions.sweep()
