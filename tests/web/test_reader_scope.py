"""The live streams' in-memory gate says what `conversations_for` says, for every role and case."""

import pytest
from django.contrib.auth import get_user_model

from heedful.accounts.access import conversations_for, reader_scope, reading_facts
from heedful.accounts.models import Role
from heedful.conversations.models import Conversation
from tests.web.conftest import make_user, post_api_message


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.MODERATOR, Role.ANALYST, "superuser"])
def test_reader_scope_agrees_with_conversations_for(client, teams, channel_a, channel_b, role):
    users = get_user_model()
    post_api_message(client, channel_a, "A's own", sender="u-1")
    post_api_message(client, channel_b, "B's, moved to team A", sender="u-2")
    post_api_message(client, channel_b, "B's, assigned to our reader", sender="u-3")
    post_api_message(client, channel_b, "B's", sender="u-4")
    reader = (users.objects.create_superuser("root", "root@example.com", "x") if role == "superuser"
              else make_user(users, f"r-{role}", role=role, teams=[teams[0]]))
    by_text = {c.messages.get().text: c for c in Conversation.objects.all()}
    Conversation.objects.filter(pk=by_text["B's, moved to team A"].pk).update(team=teams[0])
    Conversation.objects.filter(pk=by_text["B's, assigned to our reader"].pk).update(assignee=reader)

    ids = [c.pk for c in by_text.values()]
    scope, facts = reader_scope(reader), reading_facts(ids)
    expected = set(conversations_for(reader).filter(pk__in=ids).values_list("pk", flat=True))
    assert {pk for pk in ids if scope.reads(facts.get(pk))} == expected
    if role == Role.AGENT:
        assert len(expected) == 3  # own channel, own team, assigned: the cases the rule has
    assert not scope.reads(None) or role == "superuser"  # a conversation that is gone
