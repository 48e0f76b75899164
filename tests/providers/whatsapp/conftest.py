"""A WhatsApp channel and the Graph API fake; webhook helpers are shared with the Meta tests."""

from __future__ import annotations

import pytest

from heedful.channels.providers.whatsapp.fake import FakeWhatsAppAPI
from tests.providers.meta.conftest import find_message, hook, post_hook  # noqa: F401  shared fixtures
from tests.providers.meta.meta_hooks import APP_SECRET, VERIFY_TOKEN

from .whatsapp_hooks import ACCESS_TOKEN, PHONE_NUMBER_ID


@pytest.fixture
def whatsapp(make_channel):
    return make_channel("whatsapp", {"phone_number_id": PHONE_NUMBER_ID, "app_secret": APP_SECRET,
                                     "verify_token": VERIFY_TOKEN, "access_token": ACCESS_TOKEN},
                        name="Acme WhatsApp")


@pytest.fixture
def cloud_api(whatsapp):
    """The WhatsApp Cloud API fake, with the channel pointed at it."""
    with FakeWhatsAppAPI(token=ACCESS_TOKEN) as fake:
        whatsapp.settings = {"api_base_url": fake.base_url}
        whatsapp.save()
        yield fake
