"""The brand's community forum: categories, topics, posts, votes, accepted answers, moderation.

Members are Django users with a `MemberProfile` and a password of their own (their Django
password is unusable), so a member can never sign in to the agent workspace, and an agent is
never a member by accident. Writes go through `actions`; reads through `selectors` and `search`.
"""
