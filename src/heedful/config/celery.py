"""Celery app for production mode (HEEDFUL_JOBS=celery, Redis broker)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.config.settings")

app = Celery("heedful")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["heedful.ingestion", "heedful.outbound", "heedful.conversations", "heedful.privacy",
                        "heedful.analytics", "heedful.knowledge"])
