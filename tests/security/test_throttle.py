"""Brute force: repeated wrong passwords (workspace and admin login) and wrong API tokens get a
429 with Retry-After and a temporary lockout, per account and per client IP, with an audit entry."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from heedful.accounts.models import ApiToken, Role
from heedful.audit.models import AuditEntry
from tests.contacts.support import PASSWORD, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.HEEDFUL_AUTH_MAX_FAILURES = 5
    settings.HEEDFUL_AUTH_MAX_FAILURES_PER_IP = 12
    settings.HEEDFUL_AUTH_FAILURE_WINDOW_SECONDS = 900
    settings.HEEDFUL_AUTH_LOCKOUT_SECONDS = 900
    return settings


def log_in(username, password, *, ip="203.0.113.7", path="/login/"):
    return Client(REMOTE_ADDR=ip).post(path, {"username": username, "password": password})


def test_thirty_wrong_passwords_are_throttled_and_lock_the_account(django_user_model, limits):
    user(django_user_model, "ann", Role.AGENT)
    statuses = [log_in("ann", f"guess-{i}").status_code for i in range(30)]
    print(f"\nlogin: 30 wrong passwords for one account -> {statuses.count(200)} answered, "
          f"{statuses.count(429)} refused with 429")
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    locked = log_in("ann", PASSWORD)  # the right password is worth nothing during the lockout
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 900
    # from another address too: the account itself is locked
    assert log_in("ann", PASSWORD, ip="198.51.100.9").status_code == 429
    entry = AuditEntry.objects.get(action="auth.lockout", object_type="account")
    assert entry.object_id == "ann" and entry.detail["kind"] == "login"


def test_the_lockout_is_temporary_and_a_good_login_resets_the_count(django_user_model, limits):
    limits.HEEDFUL_AUTH_LOCKOUT_SECONDS = 1
    user(django_user_model, "ann", Role.AGENT)
    for i in range(4):
        log_in("ann", f"guess-{i}")
    assert log_in("ann", PASSWORD).status_code == 302  # four misses, then the right one
    for i in range(4):
        assert log_in("ann", f"again-{i}").status_code == 200  # the count started again
    log_in("ann", "fifth")
    assert log_in("ann", PASSWORD).status_code == 429
    time.sleep(1.2)
    assert log_in("ann", PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_locked_out(django_user_model, limits):
    for name in ("ann", "bob", "cy"):
        user(django_user_model, name, Role.AGENT)
    statuses = [log_in(name, f"guess-{i}").status_code for i in range(6) for name in ("ann", "bob", "cy", "nobody")]
    assert statuses[:12] == [200] * 12 and set(statuses[12:]) == {429}
    # the accounts are not locked for everyone: another address logs in
    assert log_in("bob", PASSWORD, ip="198.51.100.9").status_code == 302
    assert AuditEntry.objects.filter(action="auth.lockout", object_type="client_ip").count() == 1


def test_the_django_admin_login_is_throttled_too(django_user_model, limits):
    user(django_user_model, "ada", Role.ADMIN)
    statuses = [log_in("ada", f"guess-{i}", path="/admin/login/").status_code for i in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    assert log_in("ada", PASSWORD).status_code == 429  # one lockout for both login forms


def call(key, ip="203.0.113.7"):
    return Client(REMOTE_ADDR=ip).get("/api/v1/conversations", HTTP_AUTHORIZATION=f"Token {key}")


def test_wrong_api_tokens_are_throttled_per_address(django_user_model, limits):
    agent = user(django_user_model, "ann", Role.AGENT)
    good = ApiToken.issue(agent)
    statuses = [call(f"wrong-key-{i:02d}").status_code for i in range(30)]
    print(f"\ntokens: 30 wrong keys from one address -> {statuses.count(401)} answered 401, "
          f"{statuses.count(429)} refused with 429")
    assert statuses[:12] == [401] * 12 and set(statuses[12:]) == {429}
    refused = call(good)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "detail" in refused.json()
    assert call(good, ip="198.51.100.9").status_code == 200  # other addresses are not affected


def test_wrong_keys_claiming_a_real_tokens_prefix_lock_that_account(django_user_model, limits):
    agent = user(django_user_model, "ann", Role.AGENT)
    good = ApiToken.issue(agent)
    forged = [good[:8] + f"{i:032x}" for i in range(6)]
    statuses = [call(key, ip=f"198.51.100.{i}").status_code for i, key in enumerate(forged)]
    assert statuses == [401] * 5 + [429]
    assert AuditEntry.objects.filter(action="auth.lockout", object_id="token:ann").exists()
    assert call(good, ip="192.0.2.1").status_code == 200  # the real 160-bit key still works


def test_an_operator_can_lift_a_lockout(django_user_model, limits):
    from heedful.accounts import throttle

    user(django_user_model, "ann", Role.AGENT)
    for i in range(6):
        log_in("ann", f"guess-{i}")
    assert log_in("ann", PASSWORD).status_code == 429
    throttle.unlock("login", account="ann")
    assert log_in("ann", PASSWORD).status_code == 302


def test_a_logged_in_session_cannot_reset_another_accounts_count(django_user_model, limits):
    user(django_user_model, "ann", Role.AGENT)
    mallory = user(django_user_model, "mallory", Role.AGENT)
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    attacker.force_login(mallory)
    for i in range(4):
        log_in("ann", f"guess-{i}")
        # a logged-in login POST is redirected without checking a password: it must not count as ann's success
        assert attacker.post("/login/", {"username": "ann", "password": "x"}).status_code == 302
    log_in("ann", "guess-5")  # the fifth miss in a row locks the account
    assert log_in("ann", PASSWORD).status_code == 429
