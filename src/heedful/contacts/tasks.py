"""Contact jobs (Celery beat runs the retention purge daily in production)."""

from celery import shared_task

from heedful.contacts import retention
from heedful.core import jobs


@shared_task(name="heedful.contacts.purge_retention")
@jobs.job("heedful.contacts.purge_retention")
def purge_retention() -> dict:
    return retention.purge()
