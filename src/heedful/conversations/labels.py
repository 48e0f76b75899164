"""Labels on conversations: set the whole list in one write."""

from __future__ import annotations

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
