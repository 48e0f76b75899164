"""The events listener: every subscribable event becomes deliveries (after its commit)."""

from __future__ import annotations

from heedful.integrations import actions


def on_event(name: str, payload: dict) -> None:
    actions.record_event(name, payload)
