"""Twilio form posts -> normalized messages: SMS/MMS, calls, and delivery status callbacks."""

from __future__ import annotations

from urllib.parse import parse_qsl

from heedful.channels.base import (
    Handle,
    InboundAttachment,
    InboundMessage,
    ParsedEvent,
    PayloadError,
    StatusUpdate,
)

# Twilio message statuses -> Heedful delivery statuses.
MESSAGE_STATUS = {"queued": "queued", "accepted": "queued", "sending": "sending", "sent": "sent",
                  "delivered": "delivered", "read": "read", "undelivered": "failed", "failed": "failed"}
CALL_TEXT = {
    "ringing": "Incoming call", "in-progress": "Call answered", "completed": "Call ended",
    "busy": "Call not answered: line busy", "no-answer": "Missed call", "failed": "Call failed",
    "canceled": "Caller hung up before the call was answered",
}


def form(raw: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise PayloadError("Twilio posts are UTF-8 form bodies") from exc


def _count(value: str) -> int:
    # isascii: str.isdigit() is also true for "²" and "①", which int() refuses.
    return int(value) if value and value.isascii() and value.isdigit() else 0


def kind(params: dict[str, str]) -> str:
    if params.get("CallSid"):
        return "call"
    if params.get("MessageStatus") and "Body" not in params:
        return "status"
    return "sms"


def event_key(params: dict[str, str]) -> str:
    if kind(params) == "call":
        return f"call:{params['CallSid']}:{params.get('CallStatus', '')}"
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    return f"status:{sid}:{params['MessageStatus']}" if kind(params) == "status" else f"sms:{sid}"


def _caller(params: dict[str, str]) -> Handle:
    number = params.get("From", "")
    if not number:
        raise PayloadError("a Twilio post without From")
    name = params.get("CallerName", "")
    return Handle(kind="phone", handle=number, display_name=name)


def parse(raw: bytes) -> ParsedEvent:
    params = form(raw)
    which = kind(params)
    if which == "status":
        status = MESSAGE_STATUS.get(params["MessageStatus"])
        if status is None:
            return ParsedEvent(ignored=[f"message status {params['MessageStatus']!r} has no delivery meaning"])
        error = params.get("ErrorMessage") or (f"Twilio error {params['ErrorCode']}" if params.get("ErrorCode") else "")
        return ParsedEvent(statuses=[StatusUpdate(provider_message_id=params.get("MessageSid", ""),
                                                  status=status, error=error)])
    caller = _caller(params)
    if which == "call":
        return ParsedEvent(messages=[_call(params, caller)])
    sid = params.get("MessageSid") or params.get("SmsSid")
    if not sid:
        raise PayloadError("an SMS without MessageSid")
    media = [InboundAttachment(filename=f"media-{i}", content_type=params.get(f"MediaContentType{i}", ""),
                               url=params.get(f"MediaUrl{i}", ""))
             for i in range(min(_count(params.get("NumMedia", "")), 10)) if params.get(f"MediaUrl{i}")]
    return ParsedEvent(messages=[InboundMessage(
        provider_message_id=sid, sender=caller, text=params.get("Body", ""), attachments=media,
        thread_key=f"sms:{caller.handle}", metadata={"to": params.get("To", "")},
    )])


def _call(params: dict[str, str], caller: Handle) -> InboundMessage:
    status = params.get("CallStatus", "")
    text = CALL_TEXT.get(status, f"Call status: {status}")
    if status == "completed" and _count(params.get("CallDuration", "")):
        minutes, seconds = divmod(_count(params["CallDuration"]), 60)
        text += f" after {minutes}m {seconds:02d}s"
    metadata = {"call_sid": params["CallSid"], "call_status": status, "to": params.get("To", "")}
    if params.get("RecordingUrl"):
        metadata["recording_url"] = params["RecordingUrl"]
    return InboundMessage(
        provider_message_id=f"{params['CallSid']}:{status}", sender=caller, text=text,
        # every event of one call, and the caller's SMS, belong to the same phone thread
        thread_key=f"sms:{caller.handle}", metadata=metadata,
    )
