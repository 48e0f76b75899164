"""Logged phone calls: the calls an agent makes or takes outside any telephony integration.

Nothing arrives by webhook and nothing is sent: an agent logs each call (direction, outcome,
duration, notes, topic) on a contact, and Heedful keeps it as a message in that contact's phone
thread (`conversations.calls`), the way Twilio's call events are kept in the caller's thread. Its conversations count as
the `phone` channel in the timeline and the reports. Heedful creates the channel with the first
logged call. Calls to and from a Twilio number stay on the `twilio` channel.
"""

from __future__ import annotations

from heedful.channels.base import (
    BaseProvider,
    PermanentSendError,
    ProviderReceipt,
    WebhookAuthError,
)
from heedful.channels.registry import register
from heedful.core.errors import ValidationError

KIND = "phone"


@register
class PhoneProvider(BaseProvider):
    key = "phone"
    family = "phone"
    label = "Phone"
    identity_kinds = ()  # the phone number kind is declared by the Twilio package

    def verify(self, channel, request) -> None:
        raise WebhookAuthError("logged calls are entered in Heedful, not received")

    def event_key(self, channel, request) -> str:
        raise WebhookAuthError("logged calls are entered in Heedful, not received")

    def check_reply(self, channel, payload: dict, text: str) -> None:
        raise ValidationError("a phone conversation takes no written reply: log the call back instead")

    def send(self, channel, request) -> ProviderReceipt:
        raise PermanentSendError("a phone conversation takes no written reply")
