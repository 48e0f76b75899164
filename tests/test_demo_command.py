"""`heedful demo` as a new user runs it (seeding only): the agents' X replies reach the local fake."""

import socket

import pytest
from django.core.management import call_command

from heedful.conversations.models import Message


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_the_demos_x_replies_are_delivered_not_refused(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("demo", "--no-serve", "--smtp-port", str(_free_port()), "--x-api-port", str(_free_port()))
    replies = Message.objects.filter(channel__provider="twitter", direction="out", author_user__isnull=False)
    assert replies.exists()
    assert set(replies.values_list("delivery_status", flat=True)) == {"sent"}, \
        list(replies.values_list("delivery_status", "delivery_error"))
