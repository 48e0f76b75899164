"""Report dashboards and the survey page in a real headless Chromium, on the demo's story.

Every chart is server-drawn SVG with data, the page logs no console error and makes no request
that leaves the host; screenshots land in test-output/screenshots/.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest

from heedful.accounts.models import Role
from heedful.channels.providers.twitter.fake import FakeTwitterAPI
from heedful.demo import insight, seed
from heedful.feedback.models import Survey, SurveyStatus
from tests.browser import SCREENSHOTS
from tests.web.conftest import PASSWORD, make_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs its own loop here

pytestmark = pytest.mark.browser


@pytest.fixture
def story(db):
    with FakeTwitterAPI() as x_api:
        users = seed.ensure_users()
        insight.seed_insight(seed.ensure_email_channel(9), seed.ensure_twitter_channel(x_api.base_url), users["agent"])
    return users


def watched(context, live_server):
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    host = urlsplit(live_server.url).netloc
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if urlsplit(r.url).netloc == host or r.url.startswith("data:")
            else problems.append(f"external request: {r.url}"))
    return page, problems


def test_dashboards_render_with_data(browser, live_server, story, django_user_model):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    analyst = make_user(django_user_model, "ana", role=Role.ANALYST)
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page, problems = watched(context, live_server)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", analyst.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(live_server.url + "/reports/")
    panels = page.locator('[data-heedful="report"]')
    assert panels.count() >= 10
    rows = {panels.nth(i).get_attribute("data-report"): int(panels.nth(i).get_attribute("data-rows"))
            for i in range(panels.count())}
    for name in ("resolution", "channel-bypass", "why-channel", "csat", "sentiment", "volume", "trend", "agents"):
        if name != "sentiment":
            assert rows[name] > 0, name
        assert page.locator(f"#report-{name} svg.chart").count() == 1
    assert page.locator("#report-channel-bypass svg rect").count() >= 1
    assert page.locator("#report-resolution svg rect").count() >= 3
    page.screenshot(path=str(SCREENSHOTS / "reports-dashboard.png"), full_page=True)
    csv_link = page.locator('#report-channel-bypass [data-heedful="report-csv"]').get_attribute("href")
    body = page.request.get(live_server.url + csv_link).text()
    assert body.splitlines()[0] == "from_channel,to_channel,customers,conversations"
    assert "email,twitter,4,4" in body
    page.select_option('select[name="channel"]', "email")
    page.click('[data-heedful="report-filters"] button[type=submit]')
    page.wait_for_url(re.compile(r".*channel=email.*"))
    assert page.locator("#report-resolution").get_attribute("data-rows") == "1"
    page.screenshot(path=str(SCREENSHOTS / "reports-email.png"), full_page=True)
    context.close()
    assert problems == []


def test_survey_page_on_a_phone_without_javascript(browser, live_server, story):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    survey = Survey.objects.filter(provider="twitter", why="other_channel_no_answer").first()
    Survey.objects.filter(pk=survey.pk).update(answered_at=None, csat=None, why="", status=SurveyStatus.SENT)
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, is_mobile=True)
    page, problems = watched(context, live_server)
    page.goto(f"{live_server.url}/s/{survey.token}")
    question = page.locator('[data-heedful="survey-why"]').inner_text()
    assert question.startswith("You wrote to us by Email on ") and question.endswith("why did you choose Twitter/X today?")
    page.screenshot(path=str(SCREENSHOTS / "survey-phone.png"), full_page=True)
    page.check('input[name="csat"][value="5"]')
    page.check('input[name="why"][value="prefer_writing"]')
    page.click("button[type=submit]")
    assert page.locator('[data-heedful="survey-thanks"]').count() == 1
    context.close()
    survey.refresh_from_db()
    assert (survey.csat, survey.why) == (5, "prefer_writing")
    assert problems == []
