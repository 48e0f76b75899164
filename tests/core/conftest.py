"""Fixtures for the core pipeline tests."""

import pytest

from heedful.events import dispatcher


@pytest.fixture
def heard(monkeypatch):
    """Every event dispatched during the test (after its transaction committed), in order."""
    events = []
    monkeypatch.setitem(dispatcher._listeners, "*", [lambda name, payload: events.append((name, payload))])
    return events
