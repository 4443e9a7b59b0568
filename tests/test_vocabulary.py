"""The service's words: one table for registers, outcomes and the reasons behind an answer."""

import pytest

from finder import vocabulary


@pytest.mark.parametrize(
    ("reason", "code", "plain"),
    [
        (
            "register unavailable: robots.txt unreachable",
            "register_unavailable",
            "the HCPC register's website did not answer just now",
        ),
        (
            "register page not understood (layout changed?): no table rows labelled Status",
            "layout_changed",
            "the HCPC register's page has changed and we could not read it",
        ),
        (
            "the register's robots.txt does not allow this check",
            "robots_disallowed",
            "the HCPC register does not allow automatic checks of this page",
        ),
        ("register busy", "register_busy", "other checks were using the HCPC register"),
        (
            "being checked with the register now: ask again in 4 seconds",
            "checking",
            "we are asking the HCPC register now",
        ),
        (
            "status not recognised: 'Under review'",
            "status_not_recognised",
            "the HCPC register showed a status we do not recognise: read its entry",
        ),
        (
            "something new",
            "other",
            "we could not get a clear answer from the HCPC register",
        ),
    ],
)
def test_a_stored_reason_has_a_code_and_plain_words_without_the_raw_text(reason, code, plain):
    assert vocabulary.reason_code(reason) == code
    assert vocabulary.plain_reason(reason, "hcpc") == plain


def test_no_reason_has_no_code_and_no_words():
    assert (vocabulary.reason_code(None), vocabulary.plain_reason("", "gcc")) == (None, None)


def test_seconds_are_counted_in_words_that_agree():
    assert [vocabulary.seconds(n) for n in (1, 2)] == ["1 second", "2 seconds"]
