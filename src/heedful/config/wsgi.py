import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.config.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (settings are configured by the line above)

if settings.HEEDFUL_HOOKS_FAST_PATH:
    from heedful.ingestion.fast_path import mount  # noqa: E402

    application = mount(application)
