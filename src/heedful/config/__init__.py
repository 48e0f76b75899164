# The Celery app is created with the settings package, so `celery.current_app` is Heedful's in
# every process (web, worker, beat) and the core can send tasks without importing config.
from heedful.config.celery import app as celery_app

__all__ = ["celery_app"]
