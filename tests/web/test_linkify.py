"""The message body's link filter: Django's urlize, skipped only where it would change nothing."""

from django.template.defaultfilters import urlize
from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.web.templatetags.heedful_ui import linkify

WORDS = st.sampled_from(["hello", "www.example.com", "https://shop.test/o?id=1&x=<b>", "ann@example.com",
                         "example.org", "my.parcel", "<script>", "&amp;", "(see", "http://", "a.b.c",
                         "\n", "  ", ".COM", "x.net/", "'", '"', "ftp://x", "@115887", "Hey @ann!", "a@b", "@b.co",
                         "x@y.z", "(ann@shop.test)", "@", "a@", "mail:a@b.c"])
TEXT = st.one_of(st.text(max_size=80), st.lists(WORDS, max_size=12).map(" ".join))


@given(text=TEXT)
@settings(max_examples=300, deadline=None, database=None)
def test_linkify_is_urlize(text):
    assert str(linkify(text)) == str(urlize(text))


def test_text_without_links_is_escaped_and_links_are_linked():
    assert linkify("a <b> & c") == "a &lt;b&gt; &amp; c"
    assert 'href="https://shop.test/"' in linkify("see https://shop.test/")
