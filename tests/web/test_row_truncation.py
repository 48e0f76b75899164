"""The inbox row's subject and preview cut: Django's Truncator, without its per-character walk."""

from django.utils.text import Truncator
from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.web.inbox_row_html import _truncate

# combining marks, Hangul jamo that compose under NFC, emoji, and plain text around the cut
PIECES = st.sampled_from(["e\u0301", "\u0301", "\u1100\u1161", "\uac00", "\U0001f600", "ü", "a", " ", "…", "x" * 30])
TEXT = st.one_of(st.text(max_size=200), st.lists(PIECES, max_size=60).map("".join))


@given(text=TEXT, length=st.integers(min_value=1, max_value=170))
@settings(max_examples=500, deadline=None, database=None)
def test_truncate_is_truncator(text, length):
    assert _truncate(text, length) == Truncator(text).chars(length)
