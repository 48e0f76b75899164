"""Send one mail over SMTP and translate what the server says into the send errors."""

from __future__ import annotations

import smtplib
import ssl

from heedful.channels.base import PermanentSendError, ReauthRequired, TemporarySendError
from heedful.channels.providers.email import oauth

# 4xx replies (greylisting, full mailbox, rate limits) rarely clear within seconds.
DEFAULT_RETRY_AFTER = 300.0


def deliver(mail, *, host: str, port: int, user: str, password: str, use_starttls: bool,
            timeout: float, retry_after: float = DEFAULT_RETRY_AFTER, token: str = "") -> None:
    """Hand `mail` to the server. Raises a SendError subclass when it is not accepted.

    With an OAuth access `token`, AUTH XOAUTH2 replaces the password login."""
    try:
        with _connect(host, port, timeout) as server:
            if use_starttls and not isinstance(server, smtplib.SMTP_SSL):
                server.starttls(context=ssl.create_default_context())
            if token:
                server.ehlo_or_helo_if_needed()
                # On a refused token the server sends an error challenge; the empty answer
                # ends the exchange with its 535.
                server.auth("XOAUTH2", lambda challenge=None: "" if challenge else oauth.xoauth2(user, token),
                            initial_response_ok=True)
            elif user:
                server.login(user, password)
            refused = server.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        raise _refused(exc.recipients, retry_after) from exc
    except smtplib.SMTPAuthenticationError as exc:
        if 400 <= exc.smtp_code < 500:
            raise TemporarySendError(f"SMTP login failed for now ({exc.smtp_code})",
                                     retry_after=retry_after, provider_status=str(exc.smtp_code)) from exc
        raise ReauthRequired(f"SMTP login refused ({exc.smtp_code}): check smtp_user and smtp_password",
                             provider_status=str(exc.smtp_code)) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise PermanentSendError(f"SMTP server does not support a required extension: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        raise _by_code(exc.smtp_code, _reply_text(exc.smtp_error), retry_after) from exc
    except (smtplib.SMTPException, OSError) as exc:  # OSError covers TLS and timeouts
        raise TemporarySendError(f"SMTP connection failed: {type(exc).__name__}: {exc}") from exc
    if refused:
        raise _refused(refused, retry_after)


def _refused(recipients: dict, retry_after: float):
    """The reply for the first refused recipient (there is one recipient per reply)."""
    code, text = next(iter(recipients.values()), (550, b""))
    return _by_code(code, f"recipient refused: {_reply_text(text)}".rstrip(": "), retry_after)


def _connect(host: str, port: int, timeout: float) -> smtplib.SMTP:
    if port == 465:  # implicit TLS ("SMTPS")
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    return smtplib.SMTP(host, port, timeout=timeout)


def _reply_text(error) -> str:
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return " ".join(text.split())[:300]


def _by_code(code: int, text: str, retry_after: float):
    status = str(code)
    if code == 535:
        return ReauthRequired(f"SMTP {code} {text}", provider_status=status)
    if 400 <= code < 500:
        return TemporarySendError(f"SMTP {code} {text}", retry_after=retry_after, provider_status=status)
    return PermanentSendError(f"SMTP {code} {text}", provider_status=status)
