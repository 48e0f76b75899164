"""Fetch new mail from an IMAP folder, read-only, remembering the last UID seen.

The cursor is {"uidvalidity": V, "uid": U}. A UID is only meaningful together with the folder's
UIDVALIDITY: when the server changes it, every UID may have changed, so the folder is read from
the start again and the Message-ID event keys drop what was already stored.
"""

from __future__ import annotations

import logging
import ssl

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from heedful.channels.base import ReauthRequired
from heedful.channels.providers.email.config import port_number
from heedful.channels.providers.email.inbound import event_key

log = logging.getLogger(__name__)
_CHUNK = 50


def fetch_new(channel, cursor: dict, token: str = "") -> tuple[list[tuple[str, bytes]], dict]:
    """(event_key, raw) for each mail after the cursor, oldest first, and the new cursor.

    With an OAuth access `token` the login is SASL XOAUTH2 instead of a password."""
    creds, opts = channel.credentials or {}, channel.settings or {}
    host = str(creds.get("imap_host") or "")
    if not host:  # a webhook-only channel
        return [], dict(cursor or {})
    port = port_number(creds.get("imap_port"), 993)
    use_ssl = bool(opts.get("imap_ssl", port == 993))
    context = ssl.create_default_context()
    client = IMAPClient(host, port=port, ssl=use_ssl, ssl_context=context,
                        timeout=float(opts.get("imap_timeout", 30)))
    try:
        if opts.get("imap_starttls") and not use_ssl:
            client.starttls(context)
        user = str(creds.get("imap_user") or creds.get("address") or "")
        try:
            if token:
                client.oauth2_login(user, token)
            else:
                client.login(user, str(creds.get("imap_password") or ""))
        except LoginError as exc:
            what = "the mail sign-in token" if token else "imap_user and imap_password"
            raise ReauthRequired(f"IMAP login refused: check {what}") from exc
        return _read_folder(client, str(opts.get("imap_folder") or "INBOX"), cursor or {}, opts)
    finally:
        _close(client)


def _read_folder(client, folder: str, cursor: dict, opts: dict):
    info = client.select_folder(folder, readonly=True)
    validity = int(info.get(b"UIDVALIDITY") or 0)
    last = int(cursor.get("uid") or 0) if cursor.get("uidvalidity") == validity else 0
    # "n:*" always matches the newest mail, even when its UID is below n: filter again.
    uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
    uids = uids[: int(opts.get("imap_batch", 200))]
    max_bytes = int(opts.get("imap_max_bytes", 40 * 1024 * 1024))
    items: list[tuple[str, bytes]] = []
    for start in range(0, len(uids), _CHUNK):
        chunk = uids[start:start + _CHUNK]
        sizes = client.fetch(chunk, ["RFC822.SIZE"])
        wanted = [u for u in chunk if int(sizes.get(u, {}).get(b"RFC822.SIZE") or 0) <= max_bytes]
        if len(wanted) < len(chunk):
            log.warning("IMAP: skipped %d mail(s) over %d bytes", len(chunk) - len(wanted), max_bytes)
        bodies = client.fetch(wanted, ["BODY.PEEK[]"]) if wanted else {}
        for uid in wanted:
            raw = bodies.get(uid, {}).get(b"BODY[]")
            if raw:
                items.append((event_key(raw), bytes(raw)))
    return items, {"uidvalidity": validity, "uid": uids[-1] if uids else last}


def _close(client) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone
        try:
            client.shutdown()
        except Exception:
            pass  # nothing left to close
