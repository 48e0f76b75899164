"""OAuth 1.0a signing against the worked example in Twitter's "Creating a signature" guide."""

import re

import pytest

from heedful.channels.providers.twitter.oauth import UserCredentials, authorization_header

EXAMPLE = UserCredentials(consumer_key="xvz1evFS4wEEPTGEFPHBog",
                          consumer_secret="kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
                          access_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
                          access_token_secret="LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
FORM = "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"


def signature_of(header: str) -> str:
    return re.search(r'oauth_signature="([^"]+)"', header).group(1)


@pytest.mark.parametrize("version, expected", [
    ("1", "tnnArxj06cWHq44gCs1OSKk%2FjLY%3D"),      # the guide's original /1/ example
    ("1.1", "hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"),    # the same example on /1.1/
])
def test_documented_signature(version, expected):
    header = authorization_header(
        EXAMPLE, "POST", f"https://api.twitter.com/{version}/statuses/update.json?include_entities=true",
        form=FORM, nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", timestamp="1318622958")
    assert signature_of(header) == expected
    assert 'oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog"' in header
    assert 'oauth_signature_method="HMAC-SHA1"' in header


def test_every_request_gets_a_fresh_nonce():
    url = "https://api.twitter.com/2/tweets"
    first, second = authorization_header(EXAMPLE, "POST", url), authorization_header(EXAMPLE, "POST", url)
    nonce = re.compile(r'oauth_nonce="([^"]+)"')
    assert nonce.search(first).group(1) != nonce.search(second).group(1)
