"""Outgoing event webhooks: a brand's integrations subscribe to named events and receive each
one as a signed, durable, retried POST (see docs/integrations.md)."""
