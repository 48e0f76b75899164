"""Community fixtures: staff with desk tokens, members with member tokens, a support category."""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import Client

from heedful.accounts.models import ApiToken, Profile, Role
from heedful.community import actions
from heedful.community.members import staff_viewer

_n = itertools.count(1)


class Api:
    """A JSON client with a token."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}

    def post(self, path, body=None):
        return self.client.post(path, json.dumps(body or {}), content_type="application/json", **self.headers)

    def get(self, path):
        return self.client.get(path, **self.headers)


@pytest.fixture
def staff(db, django_user_model):
    user = django_user_model.objects.create_user("sam", "sam@brand.example", "staff-pass-123", first_name="Sam")
    Profile.objects.create(user=user, role=Role.AGENT)
    return user


@pytest.fixture
def staff_api(staff):
    return Api(ApiToken.issue(staff))


@pytest.fixture
def make_member(db):
    def make(username=None, *, trust_level=0, password="member-pass-123"):
        username = username or f"member{next(_n)}"
        member = actions.signup(username, f"{username}@example.org", password)
        if trust_level:
            member.trust_level = trust_level
            member.save(update_fields=["trust_level"])
        return member

    return make


@pytest.fixture
def member_api(make_member):
    def make(username=None, **kw):
        member = make_member(username, **kw)
        return member, Api(actions.issue_token(member))

    return make


@pytest.fixture
def support(staff):
    return actions.create_category(staff_viewer(staff), slug="help", name="Help", support=True,
                                   escalate_after_minutes=0)


@pytest.fixture
def general(staff):
    return actions.create_category(staff_viewer(staff), slug="lounge", name="Lounge", support=False)


# -- the browser tests' agent and pages ------------------------------------------------------

PASSWORD = "correct-horse-battery"


@pytest.fixture
def new_page(browser):
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def agent(db, django_user_model):
    user = django_user_model.objects.create_user("ann", "ann@brand.example", PASSWORD, first_name="Ann")
    Profile.objects.create(user=user, role=Role.ADMIN)
    return user
