"""Analytics jobs (Celery tasks in production, in-process in embedded mode)."""

from celery import shared_task

from heedful.analytics import recorder
from heedful.core import jobs


@shared_task(name="heedful.analytics.catch_up")
@jobs.job("heedful.analytics.catch_up")
def catch_up() -> int:
    """Record what a lost in-process flush left out, and fold what is left unfolded."""
    return recorder.catch_up()
