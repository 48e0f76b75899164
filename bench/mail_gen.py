"""The mail traffic: the same RFC 822 mails, in the same delivery order, for Heedful and the peer.

Each thread is four mails from one customer to one of a few support mailboxes: the first mail,
then replies that carry In-Reply-To / References and quote the previous mail, the way a mail
client writes them. The customers' words are the customer turns of real TWCS chains (tweets
without their @-mentions). Some senders have non-ASCII names, some mails are
multipart/alternative with an HTML part. Seeded, so both sides get byte-identical mails; every
mail is 7-bit ASCII on the wire (quoted-printable bodies, RFC 2047 headers), as MTAs deliver.
"""

from __future__ import annotations

import json
import quopri
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from html import escape, unescape
from pathlib import Path

from bench import traffic

MAILS_PER_THREAD = 4
MAILBOXES = 4  # a desk with a few support addresses, as the Twitter phases have brand channels
SPACING = 200  # a reply is delivered at least this many mails after the one it answers

_NAMES = ("Olivia Smith", "Liam Johnson", "Emma Brown", "Noah Williams", "Ava Jones", "Mason Davis",
          "José Núñez", "Zoë Müller", "Søren Ågård", "François Lefèvre", "Łukasz Wójcik",
          "Ayşe Yılmaz", "Mårten Öberg", "Chloé Dubois", "Jürgen Weiß", "Siobhán Ó Briain")
_DOMAINS = ("example.net", "mail.example.org", "example.co.uk", "inbox.example.de")
_CLIENTS = ("Mozilla Thunderbird 115.6", "Apple Mail (2.3774)", "Microsoft Outlook 16.0",
            "K-9 Mail 6.7")
_SIGN_OFFS = ("Thanks", "Regards", "Merci d'avance — bonne journée", "Viele Grüße", "Cheers",
              "Best wishes")
_MENTION = re.compile(r"(^|\s)@\w+")


@dataclass
class Mail:
    mailbox: int  # index of the support address it is sent to
    thread: int
    raw: bytes


def _customer_texts(shape: traffic.Shape) -> tuple[list[str], list[str]]:
    """(thread openers, later customer turns), tweets cleaned of @-mentions."""
    def clean(text: str) -> str:
        return " ".join(_MENTION.sub(r"\1", unescape(text)).split())

    openers, later = [], []
    for template in shape.templates:
        customer = [clean(t) for inbound, t in template.turns if inbound and clean(t)]
        if customer:
            openers.append(customer[0])
            later.extend(customer[1:])
    return openers, later or openers


def _subject(text: str) -> str:
    words = text.split()
    subject = " ".join(words[:8])
    return subject[:70] + ("…" if len(words) > 8 else "")


def _body(text: str, name: str, sign_off: str, previous: tuple[str, str, datetime] | None) -> str:
    body = f"Hello,\n\n{text}\n\n{sign_off},\n{name.split()[0]}\n"
    if previous:
        prev_name, prev_body, prev_at = previous
        quoted = "\n".join("> " + line if line else ">" for line in prev_body.splitlines())
        body += f"\nOn {format_datetime(prev_at)}, {prev_name} wrote:\n{quoted}\n"
    return body


def _html(body: str) -> str:
    paragraphs = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in body.split("\n\n"))
    return f"<html><body><div style=\"font-family: sans-serif\">{paragraphs}</div></body></html>"


def _header(value: str) -> str:
    """A header value as it travels: RFC 2047 encoded words when it is not ASCII."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def _part(content_type: str, text: str) -> str:
    if text.isascii():
        return f"Content-Type: {content_type}; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" \
               + text.replace("\n", "\r\n")
    encoded = quopri.encodestring(text.replace("\n", "\r\n").encode()).decode("ascii")
    return (f"Content-Type: {content_type}; charset=\"utf-8\"\r\n"
            f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{encoded}")


def _render(*, sender: tuple[str, str], to: str, subject: str, at: datetime, message_id: str,
            parents: list[str], body: str, html: bool, client: str, hop: str, boundary: str) -> bytes:
    """The mail's bytes, written out by hand (CRLF): the stdlib's generator is slow and picks
    random MIME boundaries, and both sides must get the same bytes."""
    name = sender[0] if sender[0].isascii() else Header(sender[0], "utf-8").encode()
    lines = [f"Received: from {hop} ({hop} [192.0.2.{len(hop) % 250 + 1}])\r\n\tby mx.support.example.com "
             f"with ESMTPS id {message_id[1:13]};\r\n\t{format_datetime(at + timedelta(seconds=2))}",
             f"From: {name} <{sender[1]}>", f"To: {to}", f"Subject: {_header(subject)}",
             f"Date: {format_datetime(at)}", f"Message-ID: {message_id}"]
    if parents:
        lines += [f"In-Reply-To: {parents[-1]}", "References: " + "\r\n ".join(parents)]
    lines += ["MIME-Version: 1.0", f"X-Mailer: {client}"]
    if html:
        lines.append(f"Content-Type: multipart/alternative; boundary=\"{boundary}\"")
        mail = "\r\n".join(lines) + "\r\n\r\n" + "\r\n".join([
            f"--{boundary}", _part("text/plain", body), f"--{boundary}", _part("text/html", _html(body)),
            f"--{boundary}--", ""])
    else:
        mail = "\r\n".join(lines) + "\r\n" + _part("text/plain", body)
    return mail.encode("ascii")


def threads(shape: traffic.Shape, count: int, *, seed: int, mailboxes: list[str]) -> list[list[Mail]]:
    """`count` threads of MAILS_PER_THREAD mails each."""
    rng = random.Random(seed)
    openers, later = _customer_texts(shape)
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    out = []
    for number in range(count):
        name = rng.choice(_NAMES)
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
        local = ".".join(re.sub(r"[^a-z ]", "", ascii_name).split()) or "customer"
        address = f"{local}.{number}@{rng.choice(_DOMAINS)}"
        box = rng.randrange(len(mailboxes))
        client, sign_off, html = rng.choice(_CLIENTS), rng.choice(_SIGN_OFFS), rng.random() < 0.35
        subject = _subject(rng.choice(openers))
        texts = [rng.choice(openers)] + [rng.choice(later) for _ in range(MAILS_PER_THREAD - 1)]
        at = start + timedelta(seconds=rng.randrange(30 * 86400))
        parents: list[str] = []
        previous = None
        chain = []
        for turn, text in enumerate(texts):
            message_id = f"<{seed}.{number}.{turn}.{rng.getrandbits(40):010x}@{address.split('@')[1]}>"
            body = _body(text, name, sign_off, previous)
            raw = _render(sender=(name, address), to=mailboxes[box], subject=("Re: " if turn else "") + subject,
                          at=at, message_id=message_id, parents=parents, body=body, html=html,
                          client=client, hop=f"smtp{rng.randrange(1, 9)}.{address.split('@')[1]}",
                          boundary=f"=_part_{seed}_{number}_{turn}_{rng.getrandbits(32):08x}")
            chain.append(Mail(box, number, raw))
            previous = (f"{name} <{address}>", body, at)
            parents = [*parents, message_id]
            at += timedelta(minutes=rng.randrange(5, 600))
        out.append(chain)
    return out


def delivery_order(chains: list[list[Mail]], seed: int) -> list[Mail]:
    """Threads interleaved; a reply comes SPACING mails (or as many as fit) after its parent."""
    order, _ = traffic.schedule(chains, spacing=SPACING, seed=seed)
    return order


def write(path: Path, order: list[Mail]) -> None:
    """One mail a line, as JSON: {"mailbox", "thread", "raw"} (the raw mail is ASCII)."""
    with open(path, "w") as fh:
        for mail in order:
            fh.write(json.dumps({"mailbox": mail.mailbox, "thread": mail.thread,
                                 "raw": mail.raw.decode("ascii")}) + "\n")
