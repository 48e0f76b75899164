"""Log in, log out, change password, and every workspace page asks for a login."""

import pytest

from tests.web.conftest import PASSWORD, login


def test_login_page_and_login_lands_in_the_inbox(client, agent_a):
    page = client.get("/login/")
    assert page.status_code == 200
    assert b"<label for=\"id_username\">" in page.content
    assert "script-src 'self'" in page["Content-Security-Policy"]
    response = client.post("/login/", {"username": "ann", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200


def test_wrong_password_is_refused(client, agent_a):
    response = client.post("/login/", {"username": "ann", "password": "nope"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert client.get("/inbox/").status_code == 302


@pytest.mark.parametrize("path", ["/inbox/", "/conversations/1/", "/inbox/rows/1/", "/password/"])
def test_pages_need_a_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_home_redirects(client, agent_a):
    assert client.get("/")["Location"] == "/login/"
    login(client, agent_a)
    assert client.get("/")["Location"] == "/inbox/"


def test_logout_is_a_post(client, agent_a):
    login(client, agent_a)
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/inbox/").status_code == 302


def test_change_password(client, agent_a):
    login(client, agent_a)
    assert client.get("/password/").status_code == 200
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "a-new-long-secret",
                                          "new_password2": "a-new-long-secret"})
    assert response.status_code == 302 and response["Location"] == "/password/done/"
    assert client.get("/password/done/").status_code == 200
    agent_a.refresh_from_db()
    assert agent_a.check_password("a-new-long-secret")


def test_partials_after_the_session_ended_send_the_page_to_the_login_form(client, db):
    response = client.post("/conversations/1/note/", {"text": "x"}, HTTP_HX_REQUEST="true",
                           HTTP_HX_CURRENT_URL="http://testserver/conversations/1/")
    assert response.status_code == 401
    assert response["HX-Redirect"] == "/login/?next=/conversations/1/"
    fetched = client.get("/inbox/rows/1/", HTTP_X_REQUESTED_WITH="fetch")
    assert fetched.status_code == 401 and fetched["HX-Redirect"] == "/login/?next=/inbox/"
