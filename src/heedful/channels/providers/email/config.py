"""Reading the channel's connection settings."""

from __future__ import annotations

from heedful.channels.base import ReauthRequired


def port_number(value, default: int) -> int:
    """A configured port; a bad value is a channel setup problem for the operator to fix."""
    try:
        port = int(str(value).strip()) if value not in (None, "") else default
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ReauthRequired(f"the channel's port setting {value!r} is not a port number")
    return port
