"""Privacy jobs (Celery beat runs the retention purge daily in production)."""

from celery import shared_task

from heedful.core import jobs
from heedful.privacy import retention


@shared_task(name="heedful.privacy.purge_retention")
@jobs.job("heedful.privacy.purge_retention")
def purge_retention() -> dict:
    return retention.purge()
