"""Link a customer's handles into one contact: automatically on exact, verified keys, otherwise by
suggestions an agent confirms or dismisses.

Automatic (a merge, recorded and undoable, or a new identity on the sender's contact):
- an email the brand vouches for: `metadata["verified_email"]` (a logged-in widget visitor) or
  `metadata["email"]` from a kind its provider declares `trusted_email` (the API channel, whose
  messages come from the brand's own back end; a channel may opt in or out with the setting
  `trust_sender_email`);
- an email customers give as their own in a private message ("my email is ann@example.com");
- the same phone number under another kind (handled when the identity is created, actions.py).
A link that would join two different accounts of a kind declared `one_account_per_person` (one
social network) becomes a suggestion.

Suggested (never merged without an agent): the same name with a similar handle, an email in a
public post, someone else's email mentioned in a private message.

`after_messages` is the pipeline's hook, called once per batch of stored inbound messages; it
costs no query unless a message carries an email or its sender is new.
"""

from __future__ import annotations

import logging
import re
from difflib import SequenceMatcher

from django.db import IntegrityError, transaction

from heedful.audit.actions import record as audit
from heedful.channels import registry
from heedful.contacts import merging, normalize, selectors
from heedful.contacts.actions import add_identity, blocked_identity
from heedful.contacts.models import Contact, Identity, LinkSuggestion, SuggestionStatus
from heedful.core.clock import now
from heedful.core.errors import HeedfulError, ValidationError

log = logging.getLogger(__name__)

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])")
# Words that, shortly before an address, say it is the writer's own.
OWN = re.compile(r"\b(?:my|i'?m|i am|this is|it'?s|me at|me on|me via|reach me|email me|e-mail me|write me)\b[^@\n]{0,30}$", re.I)
EMAIL_KIND = "email"  # an address found in text is linked as this kind (the email provider's)


def after_messages(channel, stored) -> None:
    """The pipeline's hook: link what a batch of stored messages tells about their senders.

    `stored` is [(identity, InboundMessage)]. Call inside the pipeline's transaction. Costs no
    query for a message without an email, and one lookup per batch for the new senders.
    Linking never fails a message: a link that cannot be made now (another worker merged the
    same contacts a moment ago) is skipped, in its own savepoint.
    """
    new: dict[int, Identity] = {}
    for identity, msg in stored:
        if identity is None or identity.blocked or msg.direction != "in" or msg.automated:
            continue
        if getattr(identity, "is_new", False):
            new[identity.pk] = identity
        trusted = _trusted_emails(channel, identity, msg.metadata or {})
        # Only what the sender wrote now: a quoted "On ..., Ann <ann@x> wrote:" is not a mention.
        text = msg.display_text or msg.text or ""
        mentioned = _mentioned(text, identity, trusted) if "@" in text else []
        if trusted or mentioned:
            _guarded(_link_emails, identity, trusted, text, mentioned, msg.public)
    if new:
        _guarded(suggest_similar, list(new.values()))


def _mentioned(text: str, identity: Identity, trusted: list[str]) -> list[re.Match]:
    """Addresses in the text other than the sender's own and the trusted ones (no query)."""
    own = {identity.handle} if identity.kind == EMAIL_KIND else set()
    return [m for m in EMAIL.finditer(text) if _clean(m.group(0)) not in own.union(trusted)]


def _guarded(fn, *args) -> None:
    try:
        with transaction.atomic():
            fn(*args)
    except (HeedfulError, IntegrityError) as exc:
        log.info("link skipped: %s", type(exc).__name__)


def _link_emails(identity: Identity, trusted: list[str], text: str, mentioned, public: bool) -> None:
    identity = Identity.objects.select_related("contact").get(pk=identity.pk)  # after earlier merges
    for email in trusted:
        link_email(identity, email, reason="verified email")
    if mentioned:
        _emails_in_text(identity, text, mentioned, public=public, skip=set(trusted))


def _trusted_emails(channel, identity, metadata: dict) -> list[str]:
    emails = []
    if metadata.get("verified_email"):
        emails.append(metadata["verified_email"])
    trust = (channel.settings or {}).get("trust_sender_email", registry.identity_kind(identity.kind).trusted_email)
    if metadata.get("email") and trust:
        emails.append(metadata["email"])
    return [e for e in (_clean(x) for x in emails) if e]


def _clean(value) -> str:
    value = normalize.email(str(value))
    return value if EMAIL.fullmatch(value) else ""


def _emails_in_text(identity: Identity, text: str, mentioned, *, public: bool, skip: set[str]) -> None:
    own_handle = identity.handle if identity.kind == EMAIL_KIND else ""
    for match in mentioned:
        email = _clean(match.group(0))
        if not email or email in skip or email == own_handle:
            continue
        skip.add(email)
        if not public and _declares_own(text, match):
            if registry.identity_kind(identity.kind).links_declared_email:
                link_email(identity, email, reason="email given in private message")
            else:  # anyone can type any address here: an agent decides
                _suggest_email(identity, email, "email given by an unverified visitor", unowned=True)
            continue
        reason = "email in public post" if public else "email mentioned in private message"
        _suggest_email(identity, email, reason, unowned=public)  # a public address may be theirs


def _suggest_email(identity: Identity, email: str, reason: str, *, unowned: bool) -> None:
    """Suggest joining the contact that has `email`, or (`unowned`) giving the address to this
    one when nobody has it; never for an erased address."""
    owner = Identity.objects.select_related("contact").filter(kind=EMAIL_KIND, handle=email).first()
    if owner is not None:
        if not owner.blocked:
            suggest(live(identity.contact), other=live(owner.contact), reason=reason, evidence={"kind": "email"})
    elif unowned and blocked_identity(EMAIL_KIND, email) is None:
        suggest(live(identity.contact), handle_kind=EMAIL_KIND, handle=email, reason=reason,
                evidence={"kind": "email"})


def _declares_own(text: str, match: re.Match) -> bool:
    if text.strip().strip(".!") == match.group(0):
        return True
    return bool(OWN.search(text[max(0, match.start() - 40):match.start()]))


def live(contact: Contact) -> Contact:
    """The contact a merged contact lives on now."""
    for _ in range(20):
        if not contact.merged_into_id:
            return contact
        contact = Contact.objects.get(pk=contact.merged_into_id)
    return contact


def link_email(identity: Identity, email: str, *, reason: str) -> None:
    """The sender owns `email`: join the contact that has it, or give it to the sender's contact."""
    contact = live(identity.contact)
    owner = Identity.objects.select_related("contact").filter(kind=EMAIL_KIND, handle=email).first()
    if owner is None:
        if blocked_identity(EMAIL_KIND, email) is None:
            added = add_identity(contact, EMAIL_KIND, email, linked_via=reason)
            audit(None, "contact.identity_linked", "contact", contact.pk, identity=added.pk, reason=reason)
        return
    if owner.blocked:
        return
    target = live(owner.contact)
    if target.pk == contact.pk or target.erased_at or contact.erased_at:
        return
    if _conflicting(contact, target):
        suggest(contact, other=target, reason="same email, different accounts", evidence={"kind": "email"})
        return
    merging.merge(None, contact, target, reason=reason)


def _conflicting(a: Contact, b: Contact) -> bool:
    """Both have an account on the same network, and not the same one: probably two people."""
    one_account = registry.kinds_where(one_account_per_person=True)
    mine = set(a.identities.filter(kind__in=one_account).values_list("kind", "handle"))
    theirs = set(b.identities.filter(kind__in=one_account).values_list("kind", "handle"))
    return bool({k for k, _ in mine} & {k for k, _ in theirs}) and not (mine & theirs)


def suggest(contact: Contact, *, other: Contact | None = None, handle_kind: str = "", handle: str = "",
            reason: str, evidence: dict | None = None) -> LinkSuggestion | None:
    """Record a possible link once; a dismissed suggestion is not raised again."""
    if other is not None and other.pk == contact.pk:
        return None
    if other is not None:
        seen = LinkSuggestion.objects.filter(contact__in=[contact, other], other__in=[contact, other])
    else:
        if Identity.objects.filter(contact=contact, kind=handle_kind, handle=handle).exists():
            return None
        seen = LinkSuggestion.objects.filter(contact=contact, handle_kind=handle_kind, handle=handle)
    if seen.exists():
        return None
    return LinkSuggestion.objects.create(contact=contact, other=other, handle_kind=handle_kind,
                                         handle=handle, reason=reason[:40], evidence=evidence or {})


def _stems(identities) -> set[str]:
    stems = set()
    for identity in identities:
        if identity.blocked:
            continue
        for value in (identity.username, identity.handle):
            if identity.kind == EMAIL_KIND and value == identity.handle:
                value = value.split("@", 1)[0]
            stem = re.sub(r"[^a-z0-9]", "", (value or "").lower())
            if len(stem) >= 3 and not stem.isdigit():
                stems.add(stem)
    return stems


def _similarity(a: str, b: str) -> float:
    """How alike two handle stems are, 0 when not alike enough to suggest."""
    if a == b:
        return 1.0
    if min(len(a), len(b)) >= 4 and (a in b or b in a):
        return 0.95
    ratio = SequenceMatcher(None, a, b).ratio()
    return ratio if ratio >= 0.8 else 0.0


MAX_SIMILAR = 3  # suggestions per new sender: a common name must not pair with every namesake


def suggest_similar(identities: list[Identity]) -> int:
    """New senders with the same name as another contact and a similar handle: suggest, never
    merge. One indexed lookup (upper-cased name) for the whole batch, one read of the suggestions
    already made between those contacts, one insert; at most MAX_SIMILAR per sender, the most
    similar handles first."""
    merged = set(Contact.objects.filter(pk__in={i.contact_id for i in identities}, merged_into__isnull=False)
                 .values_list("pk", flat=True))
    wanted: dict[str, list[tuple[Identity, set[str]]]] = {}
    for identity in identities:
        name = identity.contact.name.strip()
        stems = _stems([identity])
        if identity.contact_id in merged or len(name) < 3 or name in (identity.handle, identity.username) or not stems:
            continue
        wanted.setdefault(name.upper(), []).append((identity, stems))
    if not wanted:
        return 0
    # Ids first: a new sender's namesake is mostly its own new contact, and loading contacts with
    # their identities for nothing was most of the cost of a batch of new senders.
    others = {pk: name for pk, name in selectors.namesakes(wanted)
              if any(identity.contact_id != pk for identity, _ in wanted.get(name, ()))}
    candidates: dict[str, list[Contact]] = {}
    if others:
        for candidate in Contact.objects.filter(pk__in=list(others)).prefetch_related("identities"):
            candidates.setdefault(others[candidate.pk], []).append(candidate)
    pairs: list[tuple[Identity, Contact]] = []
    for name, senders in wanted.items():
        for identity, mine in senders:
            scored = []
            for candidate in candidates.get(name, []):
                if candidate.pk == identity.contact_id:
                    continue
                score = max((_similarity(a, b) for a in mine for b in _stems(candidate.identities.all())),
                            default=0.0)
                if score:
                    scored.append((score, candidate.pk, candidate))
            pairs += [(identity, candidate) for _, _, candidate in sorted(scored, reverse=True)[:MAX_SIMILAR]]
    return _suggest_pairs(pairs)


def _suggest_pairs(pairs: list[tuple[Identity, Contact]]) -> int:
    """Record "similar name and handle" for each (sender, other contact) pair not yet suggested."""
    if not pairs:
        return 0
    ids = {i.contact_id for i, _ in pairs} | {c.pk for _, c in pairs}
    seen = {frozenset(p) for p in LinkSuggestion.objects.filter(contact_id__in=ids, other_id__in=ids)
            .values_list("contact_id", "other_id")}
    new = []
    for identity, other in pairs:
        key = frozenset((identity.contact_id, other.pk))
        if key not in seen:
            seen.add(key)
            new.append(LinkSuggestion(contact_id=identity.contact_id, other=other, reason="similar name and handle",
                                      evidence={"kind": identity.kind}))
    LinkSuggestion.objects.bulk_create(new)
    return len(new)


def confirm(actor, suggestion: LinkSuggestion) -> LinkSuggestion:
    """An agent says yes: merge the contacts (or add the handle). Call inside a transaction."""
    suggestion = LinkSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(f"this suggestion was already {suggestion.status}")
    contact = live(suggestion.contact)
    detail = {"contact": contact.pk}
    if suggestion.other_id:
        other = live(suggestion.other)
        if other.pk != contact.pk:
            detail["merge"] = merging.merge(actor, contact, other, reason="confirmed suggestion").pk
        detail["other"] = other.pk
    else:
        detail["identity"] = add_identity(contact, suggestion.handle_kind, suggestion.handle,
                                          linked_via="confirmed suggestion").pk
    suggestion.status, suggestion.decided_by, suggestion.decided_at = SuggestionStatus.CONFIRMED, actor, now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    for side in (suggestion.contact, suggestion.other):
        if side is not None:
            side.refresh_from_db()  # the merge changed them under this object
    audit(actor, "link.confirmed", "link_suggestion", suggestion.pk, reason=suggestion.reason, **detail)
    return suggestion


def dismiss(actor, suggestion: LinkSuggestion) -> LinkSuggestion:
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(f"this suggestion was already {suggestion.status}")
    suggestion.status, suggestion.decided_by, suggestion.decided_at = SuggestionStatus.DISMISSED, actor, now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit(actor, "link.dismissed", "link_suggestion", suggestion.pk, contact=suggestion.contact_id,
          other=suggestion.other_id)
    return suggestion

