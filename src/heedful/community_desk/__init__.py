"""Joins the community forum to the desk. An edge: the only code that knows both sides.

- A topic that needs the brand (unanswered in a support category past its time, or flagged for
  staff) is stored as one inbound event on the `community` channel, keyed per topic, so the
  ingestion pipeline opens exactly one conversation for it however often this runs.
- The community provider's port is connected to the forum's action, so the agent's reply is
  posted on the topic as a staff post, once per outbound idempotency key.

The forum (`heedful.community`, a domain app) never imports the desk's edges, and the provider
package never imports the forum: both are plugged together here, at start-up.
"""
