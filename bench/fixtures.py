"""Users, teams, channels and logged-in sessions for a run, written with the app's own models.

The harness process runs Django with the same environment as the web and worker processes, so
what it writes (encrypted channel credentials, sessions in Redis) is what they read.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from importlib import import_module

import httpx

from bench.config import Settings

PASSWORD = "bench-password-1"


def setup_django(settings: Settings) -> None:
    os.environ.update(settings.app_env())
    import django

    django.setup()


@dataclass
class People:
    admin_id: int
    agent_ids: list[int]
    team_id: int
    api_token: str


def make_people(agents: int) -> People:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from heedful.accounts.models import ApiToken, Profile, Role, Team

    User = get_user_model()
    team, _ = Team.objects.get_or_create(slug="social", defaults={"name": "Social care"})
    Team.objects.get_or_create(slug="support", defaults={"name": "Support"})
    admin = User.objects.filter(username="bench-admin").first()
    if admin is None:
        admin = User.objects.create_superuser("bench-admin", "admin@bench.test", PASSWORD)
        Profile.objects.create(user=admin, role=Role.ADMIN)
    hashed = make_password(PASSWORD)  # hashed once: PBKDF2 per agent would take minutes
    wanted = [f"agent{i:03d}" for i in range(1, agents + 1)]
    have = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    User.objects.bulk_create([User(username=n, password=hashed, first_name=f"Agent {n[5:]}",
                                   email=f"{n}@bench.test") for n in wanted if n not in have])
    users = list(User.objects.filter(username__in=wanted).order_by("pk"))
    Profile.objects.bulk_create([Profile(user=u, role=Role.AGENT) for u in users
                                 if not Profile.objects.filter(user=u).exists()])
    for profile in Profile.objects.filter(user__in=users):
        profile.teams.add(team)
    return People(admin.pk, [u.pk for u in users], team.pk, ApiToken.issue(admin))


@dataclass
class TwitterChannel:
    id: int
    brand: str
    user_id: str
    consumer_secret: str


def make_twitter_channels(brands: list[str], team_id: int) -> list[TwitterChannel]:
    from heedful.channels.models import Channel

    made = []
    for index, brand in enumerate(brands):
        user_id, secret = str(7_000_000 + index), secrets.token_urlsafe(32)
        channel = Channel.objects.create(
            provider="twitter", name=f"@{brand}", team_id=team_id,
            credentials={"user_id": user_id, "screen_name": brand, "consumer_key": "bench",
                         "consumer_secret": secret, "access_token": "bench",
                         "access_token_secret": "bench"})
        made.append(TwitterChannel(channel.pk, brand, user_id, secret))
    return made


def twitter_channels() -> list[TwitterChannel]:
    """The run's Twitter channels, as a reused database has them."""
    from heedful.channels.models import Channel

    return [TwitterChannel(c.pk, c.credential("screen_name"), c.credential("user_id"), c.credential("consumer_secret"))
            for c in Channel.objects.filter(provider="twitter", name__startswith="@").order_by("pk")]


def session_cookie(user_id: int) -> str:
    """A logged-in session for a user, made by the configured session engine (like login())."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    user = get_user_model().objects.get(pk=user_id)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def http_login(base_url: str, username: str, password: str = PASSWORD) -> httpx.Client:
    """Log in through the real login form (CSRF and all); returns a client holding the cookie."""
    client = httpx.Client(base_url=base_url, timeout=30.0)
    client.get("/login/")
    token = client.cookies.get("csrftoken", "")
    response = client.post("/login/", data={"username": username, "password": password,
                                             "csrfmiddlewaretoken": token},
                           headers={"Referer": base_url + "/login/"})
    if response.status_code not in (302, 303) or "sessionid" not in client.cookies:
        raise RuntimeError(f"login as {username} failed (HTTP {response.status_code})")
    return client


def close_db() -> None:
    from django.db import connections

    connections.close_all()
