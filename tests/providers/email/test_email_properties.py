"""Property tests for the mail parser: it never fails with anything but PayloadError, and
headers and bodies written in any supported charset read back exactly."""

from __future__ import annotations

import base64
import quopri

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heedful.channels import registry
from heedful.channels.base import PayloadError, WebhookRequest

SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


class FakeChannel:
    """Only the attributes the provider reads; parsing needs no database."""

    credentials = {"address": "support@brand.test", "inbound_token": "t"}
    settings: dict = {}


def provider():
    return registry.get("email")


def storable(value: str) -> bool:
    return "\x00" not in value and value.encode("utf-8", "strict") is not None


FRAGMENTS = [
    b"From: Ann <ann@customer.test>\r\n", b"From: \r\n", b"Sender: x@y.test\n",
    b"Return-Path: <>\r\n", b"Subject: =?utf-8?b?w6k=?= =?iso-2022-jp?B?GyRCJCIbKEI=?=\r\n",
    b"Subject: =?x-unknown?q?=FF=FE?=\r\n", b"Date: Tue, 31 Feb 99999 25:61:00 +9999\r\n",
    b"Message-ID: <a@b>\r\n", b"In-Reply-To: <<<>>>\r\n", b"References: <x@y> garbage <z@\r\n",
    b"Content-Type: multipart/mixed; boundary=\"b\"\r\n", b"Content-Type: multipart/alternative; boundary=b\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
    b"Content-Type: message/rfc822\r\n", b"Content-Type: message/delivery-status\r\n",
    b"Content-Type: text/html; charset=shift_jis\r\n", b"Content-Type: text/plain; charset=\"bogus\"\r\n",
    b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Transfer-Encoding: x-uuencode\r\n", b"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC.pdf\r\n",
    b"Content-ID: <c@d>\r\n", b"Auto-Submitted: auto-replied\r\n", b"\r\n", b"\n", b"--b\r\n", b"--b--\r\n",
    b"\x1b$B$\"\x1b(B", b"=?utf-8?b?", b"?=", b"<script>alert(1)</script>", b"=\r\n", b"=ZZ",
    b"begin 644 f.txt\n", b"\x00", b"\xff\xfe", b"\r", b" ",
]

mail_like = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=24)), max_size=40).map(b"".join)


def check_parse(raw: bytes) -> None:
    try:
        parsed = provider().parse(FakeChannel(), raw)
    except PayloadError:
        return
    for msg in parsed.messages:
        for value in (msg.provider_message_id, msg.text, msg.html, msg.subject, msg.sender.handle,
                      msg.sender.display_name, msg.display_text or "", *msg.reply_to_ids):
            assert storable(value)
        assert len(msg.provider_message_id) <= 255
        assert msg.sent_at is None or msg.sent_at.tzinfo is not None
        for attachment in msg.attachments:
            assert isinstance(attachment.content, bytes) and storable(attachment.filename)
    request = WebhookRequest(method="POST", query={}, headers={}, body=raw)
    key = provider().event_key(FakeChannel(), request)
    assert storable(key) and len(key) <= 255


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_anything_but_payload_error(raw):
    check_parse(raw)


@SETTINGS
@given(mail_like)
def test_mail_shaped_garbage_never_raises_anything_but_payload_error(raw):
    check_parse(raw)


# -- round trips -------------------------------------------------------------------------------

# Charsets and characters each can carry (characters that do not round-trip are left out).
CHARSETS = {
    "utf-8": st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn")),
    "iso-2022-jp": st.characters(codec="iso2022_jp", exclude_categories=("Cc", "Cs")),
    "shift_jis": st.characters(codec="shift_jis", exclude_categories=("Cc", "Cs"),
                               exclude_characters="¥‾\\~"),
    "euc-kr": st.characters(codec="euc_kr", exclude_categories=("Cc", "Cs"), exclude_characters="ㅤ"),
    "big5": st.characters(codec="big5", exclude_categories=("Cc", "Cs")),
    "windows-1251": st.characters(codec="cp1251", exclude_categories=("Cc", "Cs")),
    "iso-8859-1": st.characters(codec="latin-1", exclude_categories=("Cc", "Cs")),
}
CODECS = {"utf-8": "utf-8", "iso-2022-jp": "iso2022_jp", "shift_jis": "shift_jis", "euc-kr": "euc_kr",
          "big5": "big5", "windows-1251": "cp1251", "iso-8859-1": "latin-1"}
SAFE_WORD = {"=", "?", '"', "\\", "<", ">", "(", ")", ",", ";", ":", "@", "[", "]"}


@st.composite
def written_mail(draw):
    charset = draw(st.sampled_from(sorted(CHARSETS)))
    chars = CHARSETS[charset].filter(lambda c: not c.isspace() and c not in SAFE_WORD)
    word = st.text(chars, min_size=1, max_size=8)
    subject = " ".join(draw(st.lists(word, min_size=1, max_size=8)))
    name = " ".join(draw(st.lists(word.filter(lambda w: w.isalnum()), min_size=1, max_size=3)))
    lines = draw(st.lists(st.lists(word, max_size=6).map(" ".join), min_size=1, max_size=6))
    body = "\n".join(lines).strip("\n") or "x"
    refs = draw(st.lists(st.from_regex(r"<[a-z0-9.]{1,12}@[a-z]{1,8}\.test>", fullmatch=True),
                         max_size=4, unique=True))
    # How the writer's mail client encodes: word encoding, split size (words may split a
    # multi-byte character, as real clients do), body transfer encoding.
    style = (draw(st.sampled_from("BQ")), draw(st.integers(3, 40)),
             draw(st.sampled_from(["base64", "quoted-printable", "8bit"])))
    return charset, subject, name, body, refs, style


def encoded_words(text: str, charset: str, encoding: str, split: int) -> str:
    data = text.encode(CODECS[charset])
    words = []
    for start in range(0, len(data), split):
        chunk = data[start:start + split]
        if encoding == "B":
            payload = base64.b64encode(chunk).decode()
        else:
            payload = "".join(chr(b) if chr(b).isascii() and chr(b).isalnum() else f"={b:02X}" for b in chunk)
        words.append(f"=?{charset}?{encoding}?{payload}?=")
    return "\r\n ".join(words)


def build(charset, subject, name, body, refs, style) -> bytes:
    encoding, split, transfer = style
    data = body.encode(CODECS[charset])
    if transfer == "base64":
        payload = base64.encodebytes(data)
    elif transfer == "quoted-printable":
        payload = quopri.encodestring(data)
    else:
        payload = data
    head = [f"From: {encoded_words(name, charset, encoding, split)} <Writer@Example.TEST>",
            "To: support@brand.test", f"Subject: {encoded_words(subject, charset, encoding, split)}",
            "Message-ID: <own-id@example.test>", "MIME-Version: 1.0",
            f"Content-Type: text/plain; charset={charset}", f"Content-Transfer-Encoding: {transfer}"]
    if refs:
        head += [f"In-Reply-To: {refs[-1]}", "References: " + "\r\n ".join(refs)]
    return "\r\n".join(head).encode("ascii") + b"\r\n\r\n" + payload


@SETTINGS
@given(written_mail(), st.booleans())
def test_headers_and_bodies_round_trip_in_every_charset(mail, crlf):
    charset, subject, name, body, refs, _ = mail
    raw = build(*mail)
    if not crlf:
        raw = raw.replace(b"\r\n", b"\n")
    [msg] = provider().parse(FakeChannel(), raw).messages
    assert msg.subject == subject
    assert msg.sender.handle == "writer@example.test"
    assert msg.sender.display_name == name
    assert msg.text == body
    assert msg.provider_message_id == "<own-id@example.test>"
    assert msg.reply_to_ids == list(reversed(refs))



_LINE = st.text(st.characters(codec="utf-8", exclude_characters="\r\x00"), min_size=1, max_size=60).map(
    lambda s: s.replace("\n", " ")).filter(lambda s: s.strip() and not s.lstrip().startswith(">"))


def _newest(text: str) -> str | None:
    """What the quote parser alone reads as the newest reply (None: nothing shorter)."""
    from heedful.channels.providers.email import quoting

    parsed = quoting._PARSER.read(quoting._BLANK_RUN.sub("\n\n", text))
    body = parsed.replies[0].body.strip() if parsed.replies else ""
    return None if not body or body == text.strip() else body


@given(reply=st.lists(_LINE, min_size=1, max_size=6), quoted=st.lists(st.text(max_size=40), max_size=12),
       wrote=st.sampled_from(["On Mon, 2 Mar 2026 at 09:14, Ann <ann@customer.test> wrote:",
                              "Le lun. 2 mars 2026, Ann a écrit :", "Am 02.03.2026 schrieb Ann:", ""]),
       blanks=st.integers(0, 3))
@SETTINGS
def test_a_trailing_quote_is_never_part_of_the_reply_shown(reply, quoted, wrote, blanks):
    """The quote that ends a mail is cut before the parser runs (it is most of a long thread's
    text). Under an attribution line the parser finds the same reply as in the whole text; a
    quote without one is dropped too (the parser would have kept it), the rest read as before."""
    from heedful.channels.providers.email import quoting

    quote = "\n".join(f"> {line}".rstrip() for line in (q.replace("\n", " ").replace("\r", " ") for q in quoted))
    head = "\n".join(reply)
    text = head + "\n" * (1 + blanks) + (wrote + "\n" if wrote else "") + (quote + "\n" if quote else "")
    shown = quoting.latest_reply(text)
    if wrote or not quote:
        assert shown == _newest(text)
    else:
        assert shown == (_newest(head) or head.strip())
