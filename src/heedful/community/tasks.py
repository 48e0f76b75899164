"""Community jobs (Celery tasks in production, in-process in embedded mode)."""

from celery import shared_task

from heedful.community import notifications
from heedful.core import jobs


@shared_task(name="heedful.community.notify")
@jobs.job("heedful.community.notify")
def notify(post_id: int) -> int:
    return notifications.notify(post_id)


@shared_task(name="heedful.community.password_reset_mail")
@jobs.job("heedful.community.password_reset_mail")
def password_reset_mail(email: str) -> int:
    from heedful.community import passwords

    return passwords.send_reset_mail(email)
