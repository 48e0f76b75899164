"""What the conversation page shows besides the thread: side panel, reply box, SLA state."""

from __future__ import annotations

from heedful.accounts.access import (
    access_contact,
    assignable_teams,
    assignable_users,
    canned_responses_for,
    conversations_for,
)
from heedful.conversations import canned
from heedful.conversations.models import Conversation, ConversationMerge, Priority, Status
from heedful.web import channels_ui, inbox_query

HISTORY_SIZE = 30


def agents(user):
    """People this user may assign a conversation to (the gate in accounts.access)."""
    return assignable_users(user).select_related("profile").order_by("first_name", "username")


def pickers(user, conversation: Conversation) -> dict:
    """The assignee and team choices: what this user may assign, and the current assignee
    (already on the conversation the user reads) so the picker can show it."""
    people = list(agents(user)[:300])
    if conversation.assignee_id and conversation.assignee_id not in {p.pk for p in people}:
        people.insert(0, conversation.assignee)
    return {"agents": people, "teams": assignable_teams(user).order_by("name")}


def chrome_context(user, conversation: Conversation) -> dict:
    """Header and side panel: status, assignment, labels, the customer and their history."""
    contact = access_contact(user, conversation.contact_id)
    history = (conversations_for(user).filter(contact=contact).select_related("channel")
               .order_by("-last_activity_at")[:HISTORY_SIZE])
    merged = ConversationMerge.objects.filter(source=conversation).select_related("target").first()
    mergeable = [c for c in history if c.pk != conversation.pk and c.channel_id == conversation.channel_id
                 and c.status != Status.RESOLVED] if merged is None else []
    return {
        "conversation": conversation, "contact": contact,
        "identities": contact.identities.order_by("kind", "id"),
        "history": history, "merged_into": merged.target if merged else None,
        "mergeable": mergeable, "labels": conversation.labels.all(),
        **pickers(user, conversation), "priorities": Priority.choices,
        "sla": inbox_query.sla_state(conversation),
        "channel_ui": channels_ui.look(conversation.channel.provider),
    }


def reply_context(user, conversation: Conversation) -> dict:
    responses = [
        {"title": r.title, "text": canned.render(r.text, conversation, user)}
        for r in canned_responses_for(user)[:100]
    ]
    return {"canned": responses, "channel_ui": channels_ui.look(conversation.channel.provider)}
