"""Demo forum: categories, members answering members, solved topics, and one support question
that nobody answered and went to the desk as a conversation."""

from __future__ import annotations

from heedful.accounts.models import Team
from heedful.channels import actions as channel_actions
from heedful.community import actions
from heedful.community.members import member_viewer, staff_viewer
from heedful.community.models import Category, MemberProfile
from heedful.community_desk import bridge

MEMBERS = ("gemma", "tariq", "lucia", "olu")
SOLVED = [
    ("tips", "How do I turn on roaming before a trip?", "I'm going to Spain next week. Do I need to do anything?",
     "Open the app, go to **Plan > Roaming** and switch it on. EU roaming is included in every plan."),
    ("tips", "Can I keep my number when I switch to you?", "I have a contract elsewhere ending soon.",
     "Yes: ask your old provider for a PAC code and enter it when you order your SIM. It takes one working day."),
    ("help", "My data stopped working after the update", "Calls work but mobile data does not since this morning.",
     "Restart the phone, then check *Settings > Mobile network > APN* is set to `internet`. That fixed it for me."),
]


def seed_community(agent) -> int:
    """Create the demo forum once; returns how many topics were made."""
    if Category.objects.filter(slug="billing").exists():
        return 0
    staff = staff_viewer(agent)
    actions.create_category(staff, slug="tips", name="Tips & tricks", description="Members share what works.")
    actions.create_category(staff, slug="help", name="Help", support=True, escalate_after_minutes=60,
                            description="Ask the community; our team steps in within the hour.")
    actions.create_category(staff, slug="billing", name="Billing", support=True, escalate_after_minutes=0,
                            description="Questions about your bill go straight to our team.")
    team = Team.objects.filter(slug="support").first()
    if team is not None:  # the demo agent works the community's conversations too
        channel_actions.update(agent, bridge.community_channel(), team=team.pk)
    members = {name: _member(name) for name in MEMBERS}
    made = 0
    for i, (category, title, question, answer) in enumerate(SOLVED):
        asker, helper = members[MEMBERS[i % 4]], members[MEMBERS[(i + 1) % 4]]
        topic = actions.create_topic(member_viewer(asker), category=category, title=title, body=question)
        post = actions.create_post(member_viewer(helper), topic.pk, answer)
        actions.vote(member_viewer(members[MEMBERS[(i + 2) % 4]]), post.pk)
        actions.accept(member_viewer(asker), post.pk)
        made += 1
    actions.create_topic(member_viewer(members["olu"]), category="tips", title="Best phone for a teenager?",
                         body="Looking for something sturdy under 200.")
    # Billing escalates at once: this one becomes a conversation in the agent's queue.
    actions.create_topic(member_viewer(members["lucia"]), category="billing",
                         title="I was charged twice this month",
                         body="My bank shows two payments of 25.00 on the 3rd. Can you refund one?")
    return made + 2


def _member(username: str) -> MemberProfile:
    existing = MemberProfile.objects.filter(user__username=username).first()
    if existing is not None:
        return existing
    return actions.signup(username, f"{username}@demo.heedful.test", f"{username}-community")
