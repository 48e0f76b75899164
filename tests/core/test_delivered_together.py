"""Events of a batch are delivered together after its commit: inside the wrappers apps register
(the realtime broker's one round trip), never before the commit, and not at all for a
rolled-back savepoint."""

from contextlib import contextmanager

import pytest
from django.db import transaction

from heedful.events import dispatcher

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard(monkeypatch):
    log = []
    monkeypatch.setitem(dispatcher._listeners, "test.thing", [lambda name, payload: log.append(payload["n"])])

    @contextmanager
    def wrapper():
        log.append("open")
        yield
        log.append("close")

    monkeypatch.setattr(dispatcher, "_wrappers", [wrapper])
    return log


def test_held_events_are_delivered_once_the_block_ends_inside_the_wrappers(heard):
    with dispatcher.delivered_together():
        with transaction.atomic():
            dispatcher.emit("test.thing", n=1)
            dispatcher.emit("test.thing", n=2)
        assert heard == []  # committed, still held
        with transaction.atomic():
            dispatcher.emit("test.thing", n=3)
    assert heard == ["open", 1, 2, 3, "close"]


def test_a_rolled_back_savepoint_delivers_nothing(heard):
    with dispatcher.delivered_together(), transaction.atomic():
        dispatcher.emit("test.thing", n=1)
        try:
            with transaction.atomic():
                dispatcher.emit("test.thing", n=2)
                raise ValueError
        except ValueError:
            pass
    assert heard == ["open", 1, "close"]


def test_without_a_block_events_go_out_at_commit_as_before(heard):
    with transaction.atomic():
        dispatcher.emit("test.thing", n=1)
        assert heard == []
    assert heard == [1]


def test_an_exception_in_the_block_still_delivers_what_was_committed(heard):
    with pytest.raises(RuntimeError), dispatcher.delivered_together():
        with transaction.atomic():
            dispatcher.emit("test.thing", n=1)
        raise RuntimeError
    assert heard == ["open", 1, "close"]
