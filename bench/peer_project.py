"""The minimal Django project that hosts the peer helpdesk (django-helpdesk from PyPI).

Written at run time under bench/.peer/ (never committed) and run with the peer's own venv.
`workload.py` creates the same threads Heedful ingested as tickets + follow-ups through the
peer's models, in as many processes as Heedful has Celery workers.
"""

SETTINGS = '''
import os

SECRET_KEY = "peer-bench-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peerdesk.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["PEER_DB_NAME"],
    "USER": os.environ.get("PEER_DB_USER", "postgres"), "HOST": os.environ.get("PEER_DB_HOST", "127.0.0.1"),
    "PORT": os.environ.get("PEER_DB_PORT", "5432"), "CONN_MAX_AGE": 60,
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
# where its mail ingestion saves the non-text parts of a mail (attachments)
MEDIA_ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "media")
LOGIN_URL = "/helpdesk/login/"
LOGIN_REDIRECT_URL = "/helpdesk/tickets/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
'''

URLS = '''
from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
'''

WSGI = '''
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
application = get_wsgi_application()
'''

MANAGE = '''
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
'''

WORKLOAD = '''
"""python workload.py setup | ingest THREADS_JSONL PROCESSES | pad TOTAL"""
import json
import multiprocessing
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
import django

django.setup()
from django.contrib.auth import get_user_model
from django.db import connections

from helpdesk.models import FollowUp, Queue, Ticket


def setup():
    User = get_user_model()
    if not User.objects.filter(username="staff").exists():
        User.objects.create_user("staff", "staff@peer.test", "bench-password-1", is_staff=True, is_superuser=True)
    Queue.objects.get_or_create(slug="social", defaults={"title": "Social care", "allow_public_submission": False})


def ingest_part(args):
    path, part, parts = args
    connections.close_all()
    queue = Queue.objects.get(slug="social")
    staff = get_user_model().objects.get(username="staff")
    messages = 0
    with open(path) as fh:
        for number, line in enumerate(fh):
            if number % parts != part:
                continue
            thread = json.loads(line)
            first = thread[0]
            ticket = Ticket.objects.create(
                title=first["text"][:100] or "(no text)", queue=queue, description=first["text"],
                submitter_email=f"customer{first['customer']}@example.com", status=Ticket.OPEN_STATUS)
            messages += 1
            for tweet in thread[1:]:
                FollowUp.objects.create(ticket=ticket, title="Reply" if not tweet["inbound"] else "Customer",
                                        comment=tweet["text"], public=True,
                                        user=None if tweet["inbound"] else staff)
                messages += 1
    connections.close_all()
    return messages


def pad(total):
    """Top the tickets up to `total`, texts taken from the ones made (the list is timed at the
    size of Heedful's inbox)."""
    queue = Queue.objects.get(slug="social")
    have = Ticket.objects.count()
    samples = list(Ticket.objects.values_list("title", "description", "submitter_email")[:2000])
    samples = samples or [("(no text)", "", "customer@example.com")]
    for start in range(have, total, 1000):
        Ticket.objects.bulk_create([
            Ticket(title=samples[n % len(samples)][0], description=samples[n % len(samples)][1],
                   submitter_email=samples[n % len(samples)][2], queue=queue, status=Ticket.OPEN_STATUS)
            for n in range(start, min(total, start + 1000))])
    print(json.dumps({"tickets": Ticket.objects.count(), "added": max(0, total - have),
                      "open_tickets": Ticket.objects.filter(status=Ticket.OPEN_STATUS).count()}))


def ingest(path, processes):
    started = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    connections.close_all()
    with ctx.Pool(processes) as pool:
        counts = pool.map(ingest_part, [(path, i, processes) for i in range(processes)])
    seconds = time.perf_counter() - started
    print(json.dumps({"messages": sum(counts), "seconds": round(seconds, 3),
                      "messages_per_s": round(sum(counts) / seconds, 1), "processes": processes,
                      "tickets": Ticket.objects.count(), "followups": FollowUp.objects.count()}))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup()
    elif sys.argv[1] == "pad":
        pad(int(sys.argv[2]))
    else:
        ingest(sys.argv[2], int(sys.argv[3]))
'''

FILES = {
    "peerdesk/__init__.py": "",
    "peerdesk/settings.py": SETTINGS,
    "peerdesk/urls.py": URLS,
    "peerdesk/wsgi.py": WSGI,
    "manage.py": MANAGE,
    "workload.py": WORKLOAD,
}
