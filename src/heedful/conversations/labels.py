"""Labels on conversations: set the whole list in one write."""

from __future__ import annotations

from django.db.models.functions import Lower

from heedful.conversations.models import Conversation, Label
from heedful.core.errors import ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit

MAX_LABELS = 20


def clean_names(raw_names) -> list[str]:
    """Trim, drop empties and case-insensitive repeats, keep the agent's order."""
    seen, result = set(), []
    for raw in raw_names:
        name = " ".join(str(raw).split())[:60]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    if len(result) > MAX_LABELS:
        raise ValidationError(f"at most {MAX_LABELS} labels on a conversation")
    return result


def set_labels(user, conversation: Conversation, label_names) -> list[Label]:
    """Replace the conversation's labels; unknown names become new labels."""
    wanted = clean_names(label_names)
    existing = {label.name.casefold(): label for label in Label.objects.all() if wanted}
    labels = [existing.get(n.casefold()) or Label.objects.create(name=n) for n in wanted]
    before = set(conversation.labels.values_list("pk", flat=True))
    if before != {label.pk for label in labels}:
        conversation.labels.set(labels)
        emit(names.CONVERSATION_UPDATED, conversation_id=conversation.pk)
    return labels


def add_to_many(names_by_conversation: dict[int, set[str]]) -> None:
    """Add labels to many conversations in a few queries (the pipeline's topic labels); unknown
    names become labels, labels already on a conversation stay. No event: the batch's own
    message.created already announces these conversations. Call inside a transaction."""
    wanted = {n.casefold(): n for names in names_by_conversation.values() for n in clean_names(names)}
    if not wanted:
        return
    existing = {label.name.casefold(): label.pk for label in
                Label.objects.annotate(folded=Lower("name")).filter(folded__in=list(wanted))}
    missing = [Label(name=name) for key, name in wanted.items() if key not in existing]
    if missing:
        Label.objects.bulk_create(missing, ignore_conflicts=True)
        existing.update({label.name.casefold(): label.pk for label in
                         Label.objects.filter(name__in=[m.name for m in missing])})
    through = Label.conversations.through
    links = [through(conversation_id=cid, label_id=existing[n.casefold()])
             for cid, names in names_by_conversation.items() for n in names if n.casefold() in existing]
    through.objects.bulk_create(links, ignore_conflicts=True)
