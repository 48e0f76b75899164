"""Test settings: the real settings, with jobs run inline after commit and fast hashing."""

import os
import tempfile

from heedful.config.settings import *  # noqa: F403

HEEDFUL_JOBS = "inline"
MEDIA_ROOT = os.environ.get("HEEDFUL_MEDIA_ROOT") or tempfile.mkdtemp(prefix="heedful-media-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = "memory://"
HEEDFUL_GROUP_COMMIT = env_bool("HEEDFUL_GROUP_COMMIT", False)  # noqa: F405
CELERY_BROKER_TRANSPORT = None  # the memory broker above, whatever REDIS_URL says
