"""Reading replies as an operator does: the digit, the wording, the provider."""

from __future__ import annotations

import pytest

from bot.core.classifier import Classification
from bot.core.responses import INTERNAL_PREFIX, MAX_RESPONSE_CHARS, parse_response
from tests.core.classifier_helpers import packaged_classifier

S3150 = ("550 5.7.1 Unfortunately, messages from [198.51.100.203] weren't sent. Please contact "
         "your Internet service provider since part of their network is on our block list "
         "(S3150). [Name=Protocol Filter Agent][AGT=PFA][MxId=11BC54339C3FD8FF]")
TSS04 = "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to user complaints"


def classify(text: str) -> Classification:
    return packaged_classifier().classify(text)


def test_microsoft_s3150_is_a_temporary_reputation_block_that_never_suppresses() -> None:
    c = classify(S3150)
    assert (c.category, c.provider, c.code, c.enhanced) == ("reputation_block", "outlook", 550,
                                                            "5.7.1")
    assert c.temporary_in_nature and not c.should_suppress_recipient
    assert "outlook" in c.shaping_providers
    assert any("permanent 5xx" in note for note in c.notes)
    assert "suppress" in c.dont


def test_yahoo_tss04_is_a_brake_and_names_the_yahoo_shaping_provider() -> None:
    c = classify(TSS04)
    assert (c.category, c.provider, c.signature) == ("rate_limit_brake", "yahoo", "[TSS04]")
    assert c.provider_domain == "yahoo.com" and c.shaping_providers == ("yahoo",)
    assert "full speed" in c.dont


def test_yahoo_ts03_is_a_block_sent_as_a_4xx_and_the_bot_says_retrying_will_not_help() -> None:
    c = classify("421 4.7.1 [TS03] All messages from 192.0.2.236 will be permanently deferred; "
                 "Retrying will NOT succeed.")
    assert c.category == "reputation_block" and c.temporary_in_nature
    assert not c.should_suppress_recipient


def test_a_dead_address_is_suppressed_only_on_a_5xx() -> None:
    assert classify("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown"
                    ).should_suppress_recipient
    soft = classify("450 4.1.1 <bob@example.org>: Recipient address rejected: User unknown")
    assert soft.category == "invalid_recipient" and not soft.should_suppress_recipient


def test_a_local_part_that_says_spam_decides_nothing() -> None:
    c = classify("550 5.1.1 <spam-blocked@example.org>: Recipient address rejected: User unknown")
    assert c.category == "invalid_recipient"


def test_a_full_mailbox_is_temporary_and_keeps_the_address() -> None:
    c = classify("452 4.2.2 The email account that you tried to reach is over quota. - gsmtp")
    assert (c.category, c.provider) == ("mailbox_full", "gmail")
    assert c.temporary_in_nature and not c.should_suppress_recipient


def test_joined_multiline_replies_are_read_as_one_sentence() -> None:
    c = classify("550-5.7.1 [192.0.2.172 12] Our system has detected that this message is "
                 "550-5.7.1 likely unsolicited mail. 550 5.7.1 for more information. - gsmtp")
    assert (c.code, c.enhanced, c.category) == (550, "5.7.1", "content_spam")


def test_spamhaus_is_named_as_the_blocklist_with_where_to_look() -> None:
    c = classify("554 5.7.1 Service unavailable; Client host [192.0.2.252] blocked using "
                 "zen.spamhaus.org; https://www.spamhaus.org/sbl/query/SBL468702")
    assert c.category == "reputation_block"
    assert [b.name for b in c.blocklists] == ["Spamhaus", "SORBS / UCEPROTECT / other DNSBL"]
    assert c.blocklists[0].lookup == "https://check.spamhaus.org/"


def test_kumomta_talking_about_itself_is_not_a_receiver() -> None:
    c = classify(f"451 4.4.4 {INTERNAL_PREFIX}no sources for yahoo.com pool=`bulk` are eligible")
    assert c.internal and c.provider == "kumomta" and c.category == "transient_other"
    admin = classify("551 5.7.1 Administrator bounced with reason: purge")
    assert admin.provider == "kumomta" and not admin.should_suppress_recipient


def test_leaving_a_provider_out_drops_its_signature_and_its_rules() -> None:
    without = packaged_classifier().without("yahoo")
    c = without.classify(TSS04)
    assert c.provider is None
    assert c.category == "rate_limit_brake"  # the generic brake wording still reads it


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01\x02", "hello there", "250 2.0.0 OK"])
def test_text_that_is_not_a_refusal_gets_a_plain_answer(text: str) -> None:
    c = classify(text)
    assert c.rule_id == "no-code" and not c.should_suppress_recipient
    assert "cannot tell" in c.meaning


def test_a_huge_reply_is_read_from_its_start_and_says_so() -> None:
    c = classify("550 5.1.1 user unknown " + "x" * 1_000_000)
    assert c.truncated and len(c.line) <= MAX_RESPONSE_CHARS + 20
    assert c.category == "invalid_recipient"
    assert any("only its start" in note for note in c.notes)


def test_binary_and_control_characters_are_dropped_not_fatal() -> None:
    c = classify("421\x00 4.7.0\x1b[31m [TSS04]\ud800 Messages from 192.0.2.1 temporarily deferred")
    assert c.code == 421 and c.category == "rate_limit_brake"


@pytest.mark.parametrize(("text", "code", "enhanced", "content"), [
    ("421 4.7.0 [TSS04] x", 421, "4.7.0", "[TSS04] x"),
    ("550-5.7.26 This mail", 550, "5.7.26", "This mail"),
    ("554- (RTR:DU) https://x", 554, None, "(RTR:DU) https://x"),
    ("552 1 Requested mail action aborted", 552, None, "1 Requested mail action aborted"),
    ("host mx.example.org said: 550 5.1.1 user unknown", 550, "5.1.1", "user unknown"),
    ("421", 421, None, ""),
    ("no code here", None, None, "no code here"),
])
def test_replies_are_split_into_code_enhanced_code_and_content(
    text: str, code: int | None, enhanced: str | None, content: str
) -> None:
    line = parse_response(text)
    assert (line.code, line.enhanced, line.content) == (code, enhanced, content)


def test_the_single_line_form_is_what_kumod_matches() -> None:
    assert parse_response("421-4.7.0  [TSS04]\r\n x").single_line == "421 4.7.0 [TSS04] x"
    assert parse_response("553 http://www.spamhaus.org/q").single_line == \
        "553 http://www.spamhaus.org/q"
