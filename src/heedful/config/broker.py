"""The Redis broker transport, with kombu's reconnect path made recoverable.

When the broker connection drops while the worker holds unacknowledged messages (late acks, or
tasks prefetched and not yet started: always the case under load), the consumer closes its
channel again after kombu has detached the transport from its connection. Closing requeues the
unacked messages, which opens a new pool from the detached connection and fails with
`AttributeError: 'NoneType' object has no attribute 'hostname'`. Celery treats that as a bug, not
a broker outage, and the worker exits ("Unrecoverable error") instead of reconnecting.

A channel whose transport is detached can only fail, so it fails as a connection error: the
consumer ignores it while closing and reconnects. The messages it could not requeue stay in
Redis's unacked set and come back after the visibility timeout; Heedful's sweepers re-run the
durable rows long before that.
"""

from __future__ import annotations

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection is already closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
