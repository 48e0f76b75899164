"""Twitter/X: Account Activity API webhooks in (tweets, DMs, likes), v2 API replies out.

Inbound: `GET /hooks/twitter/<channel>?crc_token=T` answers the CRC challenge; `POST` payloads
signed in `x-twitter-webhooks-signature` are stored, then parsed by `activity.parse_payload`.
Outbound: public replies via `POST /2/tweets`, private ones via
`POST /2/dm_conversations/with/<user>/messages`, OAuth 1.0a signed (see `client`), with files
uploaded first by `media` (images in one call, GIFs and videos chunked).
`fake.FakeTwitterAPI` is a loopback stand-in for the API; `twcs` turns the Customer Support on
Twitter CSV into signed webhook payloads for `heedful replay-twcs`.
"""

from heedful.channels.providers.twitter.provider import TwitterProvider  # noqa: F401  registers it
