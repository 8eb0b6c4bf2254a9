"""`/kumo explain`: a reply classified, with the TSA rules that fire on it, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.slack.text import SECTION_TEXT_LIMIT
from bot.adapters.slack.views import build_answer_message
from bot.core.answers import ErrorAnswer
from bot.core.answers_explain import ExplainAnswer
from tests.explain_helpers import S3150, TSS04, WITH_COMMUNITY, ask, services


def explain(text: str, **kwargs: object) -> ExplainAnswer:
    answer = ask(services(**kwargs), text)  # type: ignore[arg-type]
    assert isinstance(answer, ExplainAnswer), answer
    return answer


def rendered(answer: ExplainAnswer | ErrorAnswer) -> str:
    message = build_answer_message(answer, asked_by="U0ALICE", text=answer.command)
    for block in message.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_TEXT_LIMIT
    assert len(message.blocks) <= 50
    return "\n".join(_texts(message.blocks))


def _texts(value: object) -> list[str]:
    if isinstance(value, dict):
        return [value["text"]] if isinstance(value.get("text"), str) else \
            [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def test_tss04_at_yahoo_names_both_rules_of_the_default_file_with_their_actions() -> None:
    answer = explain(f'explain "{TSS04}" --domain yahoo.com')
    e = answer.explanation
    assert e.classification.category == "rate_limit_brake" and e.domain_how == "given"
    assert [(r.scope_text, [a.text for a in r.actions], r.duration_text) for r in e.fired] == [
        ("default", ["SetConfig max_message_rate=1/minute", "SetConfig connection_limit=1"], "90m"),
        ('provider "yahoo"', ["Suspend"], "2 hours"),
    ]
    text = rendered(answer)
    assert "TSA rules that fire on it for yahoo.com" in text
    assert "SetConfig max_message_rate=1/minute" in text and "`Suspend`" in text


def test_without_a_domain_it_assumes_the_providers_and_says_so() -> None:
    e = explain(f"explain {TSS04}").explanation  # unquoted: the rest of the line is the reply
    assert (e.domain, e.domain_how) == ("yahoo.com", "inferred")
    assert e.domain_note is not None and "Assumed yahoo.com" in e.domain_note
    assert len(e.fired) == 2


def test_the_bracketed_s3150_is_a_block_the_default_rules_do_not_catch() -> None:
    answer = explain(f'explain "{S3150}"')
    e = answer.explanation
    c = e.classification
    assert (c.category, c.provider, c.should_suppress_recipient) == ("reputation_block",
                                                                      "outlook", False)
    assert e.fired == []
    assert any("KumoMTA's default rules do not catch it" in n and "Gap" in n for n in e.notes)
    assert "KumoMTA's default rules do not catch it" in rendered(answer)


def test_with_the_community_file_the_outlook_threshold_rule_fires_on_s3150() -> None:
    e = explain(f'explain "{S3150}" --domain hotmail.com', files=WITH_COMMUNITY).explanation
    (rule,) = e.fired
    assert (rule.scope_text, rule.threshold, rule.file) == ('provider "outlook"', 5,
                                                            "community-shaping.toml")


def test_a_rule_that_matches_but_can_never_fire_is_shown_with_why() -> None:
    reply = ("421-4.7.0 [192.0.2.171 15] Our system has detected an unusual rate of unsolicited "
             "mail originating from your IP address. - gsmtp")
    answer = explain(f'explain "{reply}"', files=WITH_COMMUNITY)
    (other,) = answer.explanation.others
    assert other.rule.scope_text == 'provider "gmail"' and "no match list" in other.why
    assert any("gmail" in line for line in answer.explanation.inert)
    assert "does not fire here: provider" in rendered(answer)


def test_a_domain_the_resolver_does_not_know_is_handled_as_kumod_handles_a_failed_lookup() -> None:
    e = explain(f'explain "{TSS04}" --domain yahoo.co.jp', files=WITH_COMMUNITY).explanation
    assert [r.scope_text for r in e.fired] == ["default"]
    assert any("MX lookup of yahoo.co.jp failed" in n for n in e.notes)
    assert any('"yahoo.co.jp" block of community-shaping.toml is ignored' in n for n in e.notes)


def test_a_reply_with_a_slack_mention_is_shown_as_text() -> None:
    answer = explain('explain "550 5.1.1 <!channel> <@U0BOB> user unknown"')
    assert answer.explanation.classification.should_suppress_recipient
    text = rendered(answer)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "<@U0BOB>" not in text


@pytest.mark.parametrize(("text", "says"), [
    ("explain", "`explain` needs RESPONSE."),
    ('explain ""', "RESPONSE"),
    ("explain " + "x" * 20_000, "too long"),
])
def test_hostile_or_odd_requests_get_a_clear_error(text: str, says: str) -> None:
    audit = InMemoryAuditLog()
    answer = ask(services(audit=audit), text)
    assert isinstance(answer, ErrorAnswer) and says in answer.message + str(answer.hint)
    assert audit.recent()[0].outcome == "rejected-input"
    rendered(answer)


def test_binary_and_a_reply_without_code_get_an_answer_not_a_crash() -> None:
    e = explain('explain "\x00\x01 hello \x7f"').explanation
    assert e.classification.rule_id == "no-code"
    assert "cannot tell" in e.classification.meaning


def test_explain_is_audited_as_a_read() -> None:
    audit = InMemoryAuditLog()
    ask(services(audit=audit), f'explain "{TSS04}"')
    (event,) = audit.recent()
    assert event.parsed["verb"] == "explain" and event.outcome == "ok"
    assert event.parsed["response"] == TSS04


def test_a_broken_shaping_file_is_a_clear_error_naming_the_file_and_rule(tmp_path: Path) -> None:
    broken = tmp_path / "mine.toml"
    broken.write_text('[["default".automation]]\nregex = "x"\naction = "Explode"\n'
                      'duration = "1h"\n')
    answer = ask(services(files=[broken]), f'explain "{TSS04}"')
    assert isinstance(answer, ErrorAnswer)
    assert answer.message.startswith("shaping file mine.toml: default automation rule 1: "
                                     "unknown action 'Explode'")


def test_a_missing_local_file_is_an_error_and_an_unreachable_url_a_note(tmp_path: Path) -> None:
    missing = ask(services(files=[tmp_path / "gone.toml"]), f'explain "{TSS04}"')
    assert isinstance(missing, ErrorAnswer) and "cannot read gone.toml" in missing.message
    from tests.core.shaping_helpers import DEFAULT_FILE

    e = explain(f'explain "{TSS04}"',
                files=[DEFAULT_FILE, "http://127.0.0.1:9/shaping.toml"]).explanation
    assert len(e.fired) == 2
    assert any("could not be fetched" in n for n in e.notes)
