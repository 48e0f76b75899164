"""What an automation rule can do. Each action goes through the owning app's action function
(labels, replies, notes, assignment ... belong to conversations and outbound)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from heedful.accounts.models import Team
from heedful.conversations import actions as conversation_actions
from heedful.conversations import labels, snooze
from heedful.core.clock import now
from heedful.core.errors import NotFound
from heedful.outbound import replies
from heedful.routing import wait, webhooks


def perform(action: dict, conversation, message, run) -> dict:
    """Do one action; returns what was done, for the run's log. Call inside a transaction."""
    kind = action["type"]
    done = {"type": kind}
    if kind == "add_label":
        names = list(conversation.labels.values_list("name", flat=True)) + [str(action["label"])]
        labels.set_labels(None, conversation, names)
    elif kind == "reply":
        if message is not None and message.automated:
            # the email loop guard: never answer an auto-reply, a bounce or bulk mail
            return {**done, "skipped": "the message is automated"}
        text = wait.fill(str(action["text"]), conversation)  # "{expected_wait}": the honest range
        sent = replies.reply(None, conversation, text, automated=True)
        done["message"] = sent.pk
    elif kind == "note":
        done["note"] = conversation_actions.add_note(None, conversation, str(action["text"])).pk
    elif kind == "assign":
        user = get_user_model().objects.filter(pk=action["user"], is_active=True).first()
        if user is None:
            raise NotFound("no such agent")
        conversation_actions.assign(None, conversation, assignee=user)
    elif kind == "set_team":
        team = Team.objects.filter(pk=action["team"]).first()
        if team is None:
            raise NotFound("team not found")
        conversation_actions.assign(None, conversation, assignee=False, team=team)
    elif kind == "set_priority":
        conversation_actions.set_priority(None, conversation, max(0, min(3, int(action["priority"]))))
    elif kind == "snooze":
        snooze.snooze(None, conversation, now() + timedelta(minutes=float(action["minutes"])))
    elif kind == "resolve":
        conversation_actions.resolve(None, conversation)
    elif kind == "webhook":
        call = webhooks.queue(run, str(action["url"]), {
            "event": run.event, "rule": run.rule_id, "conversation": conversation.pk,
            "message": message.pk if message else None})
        done.update(webhook=call.pk, status=call.status)
    return done
