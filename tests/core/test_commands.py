"""The command grammar: what people type in Slack (or the terminal) -> typed commands."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

import pytest

from bot.core import commands as commands_module
from bot.core.catalog import CATALOG
from bot.core.commands import (
    Doctor,
    Health,
    Help,
    Holds,
    Providers,
    Queue,
    Tsa,
    bind,
    command_to_dict,
    help_text,
    normalise,
    parse,
    tokenise,
    usage,
)
from bot.core.errors import UserInputError

QUEUE_USAGE = "`/kumo queue [DOMAIN] [--node N] [--limit N] [--by-volume]`"


def refusal(text: str) -> UserInputError:
    with pytest.raises(UserInputError) as caught:
        parse(text)
    return caught.value


# --- normalising what Slack clients send ----------------------------------------------------


def test_curly_quotes_become_straight_quotes() -> None:
    assert normalise("“a” „b‟ ″c″ ‘d’ ‚e‛ ′f′") == "\"a\" \"b\" \"c\" 'd' 'e' 'f'"


def test_curly_quotes_group_a_reason() -> None:
    words = tokenise(normalise("suspend yahoo.com --for 2h --reason “Yahoo’s TS03 deferrals”"))
    values = bind(CATALOG["suspend"], words[1:])
    assert values["reason"] == "Yahoo's TS03 deferrals"
    assert values["duration"] == timedelta(hours=2)


def test_curly_quotes_group_a_duration_with_spaces() -> None:
    assert parse("tsa history --since “2 hours”") == Tsa(history=True, since=timedelta(hours=2))


def test_html_escapes_are_undone_once() -> None:
    assert normalise("a &amp; b &lt;x&gt; &quot;q&quot; it&#39;s") == "a & b <x> \"q\" it's"


def test_double_escaped_text_keeps_one_level_of_escaping() -> None:
    assert normalise("&amp;lt;b&amp;gt; &amp;amp;") == "&lt;b&gt; &amp;"


def test_other_entities_stay_verbatim() -> None:
    assert normalise("550 &copy; &nbsp; &#x41;") == "550 &copy; &nbsp; &#x41;"


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("<http://yahoo.com|yahoo.com>", "yahoo.com"),
        ("<http://yahoo.com>", "yahoo.com"),
        ("<https://Yahoo.com/>", "Yahoo.com"),
        ("<mailto:a@b.com|a@b.com>", "a@b.com"),
        ("<mailto:a@b.com>", "a@b.com"),
        ("<https://kumo.example:8000/api>", "https://kumo.example:8000/api"),
        ("<@U123|bob>", "<@U123>"),
        ("<@U123>", "<@U123>"),
        ("<#C42|ops>", "<#C42>"),
        ("<!channel>", "<!channel>"),
        ("<!subteam^S1|@oncall>", "<!subteam^S1>"),
    ],
)
def test_slack_link_markup_is_unwrapped_and_mentions_lose_only_their_label(
    sent: str, typed: str
) -> None:
    assert normalise(sent) == typed


def test_brackets_the_person_typed_are_not_taken_for_slack_markup() -> None:
    assert normalise("&lt;http://x.com|y&gt;") == "<http://x.com|y>"


def test_slack_link_wrapped_domains_parse_as_domains() -> None:
    assert parse("queue <http://yahoo.com|yahoo.com>") == Queue(domain="yahoo.com")
    assert parse("holds <http://Gmail.com>") == Holds(domain="gmail.com")


def test_unicode_spaces_become_spaces_and_invisible_characters_go() -> None:
    text = "queue\u00a0yahoo.com\u2003--node\u202fweb\u200b1\ufeff\u2060"
    assert normalise(text) == "queue yahoo.com --node web1"


def test_control_characters_are_stripped_and_line_breaks_become_spaces() -> None:
    text = normalise("\x00queue\x1b\tyahoo.com\r\n--limit\x7f 5\x07")
    assert text == "queue yahoo.com  --limit 5"
    assert parse(text) == Queue(domain="yahoo.com", limit=5)


def test_binary_garbage_never_crashes_the_parser() -> None:
    garbage = bytes(range(256)).decode("latin-1") + "\ud800\udfff"
    for text in (garbage, "queue " + garbage, "\ud800", "queue \ud800.com"):
        with contextlib.suppress(UserInputError):
            parse(text)


def test_quoted_response_text_keeps_every_character() -> None:
    sent = "explain &quot;550 5.7.1 &lt;x@y.com&gt; (S3150) \\d 50% *bold* #1&quot;"
    assert tokenise(normalise(sent)) == ["explain", "550 5.7.1 <x@y.com> (S3150) \\d 50% *bold* #1"]


def test_ten_kilobytes_of_text_is_refused_as_too_long() -> None:
    error = refusal("queue " + "a" * 10_000)
    assert "too long" in error.message
    assert "4000" in error.message


def test_megabytes_of_text_are_refused_before_being_read() -> None:
    assert "too long" in refusal("x" * 2_000_000).message


def test_a_command_of_exactly_the_limit_is_read() -> None:
    text = "queue " + " " * 3989 + "a.com"
    assert len(normalise(text)) == 4000
    assert parse(text) == Queue(domain="a.com")


# --- splitting ---------------------------------------------------------------------------


def test_unbalanced_quotes_are_an_unclosed_quote_error_with_usage() -> None:
    error = refusal('queue "yahoo.com --limit 5')
    assert "Unclosed quote" in error.message
    assert '`queue "yahoo.com --limit 5`' in error.message
    assert error.hint == f"Usage: {QUEUE_USAGE}"


def test_an_unclosed_quote_after_an_unknown_verb_gives_the_general_usage() -> None:
    assert "VERB" in str(refusal("frob 'x").hint)


def test_a_trailing_backslash_is_reported_not_crashed_on() -> None:
    assert "lone" in refusal("queue yahoo.com \\").message


def test_apostrophes_inside_words_are_not_quotes() -> None:
    words = tokenise(normalise("incident note we can’t send to Yahoo’s MX"))
    assert words == ["incident", "note", "we", "can't", "send", "to", "Yahoo's", "MX"]


def test_hash_signs_are_words_not_comments() -> None:
    assert tokenise("cancel #abc12") == ["cancel", "#abc12"]


# --- every verb, every flag ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", Help()),
        ("   \u200b ", Help()),
        ("/kumo", Help()),
        ("--help", Help()),
        ("help", Help()),
        ("help queue", Help(topic="queue")),
        ("help LOG", Help(topic="log")),
        ("queue", Queue()),
        ("queue yahoo.com", Queue(domain="yahoo.com")),
        ("queue Yahoo.COM.", Queue(domain="yahoo.com")),
        ("queue bücher.de", Queue(domain="xn--bcher-kva.de")),
        ("queue --node web-1.eu_2 --limit 20 --by-volume",
         Queue(node="web-1.eu_2", limit=20, by_volume=True)),
        ("queue --limit=1 --node=n1", Queue(limit=1, node="n1")),
        ("queue --limit 1000", Queue(limit=1000)),
        ("providers", Providers()),
        ("providers --by-pool --node n1 --limit 5", Providers(by_pool=True, node="n1", limit=5)),
        ("holds", Holds()),
        ("holds gmail.com --node n2", Holds(domain="gmail.com", node="n2")),
        ("tsa", Tsa()),
        ("tsa yahoo.com", Tsa(domain="yahoo.com")),
        ("tsa history", Tsa(history=True)),
        ("tsa HISTORY yahoo.com --since 90m",
         Tsa(history=True, domain="yahoo.com", since=timedelta(minutes=90))),
        ("tsa history --since=1d", Tsa(history=True, since=timedelta(days=1))),
        ("health", Health()),
        ("health web1", Health(node="web1")),
        ("doctor", Doctor()),
        ("QUEUE yahoo.com", Queue(domain="yahoo.com")),
        ("/kumo queue yahoo.com", Queue(domain="yahoo.com")),
        ("/KUMO doctor", Doctor()),
        ("queue —node n1 –limit 3", Queue(node="n1", limit=3)),
        ("queue -node n1", Queue(node="n1")),
        ("queue --NODE n1", Queue(node="n1")),
        ("queue --help", Help(topic="queue")),
        ("log yahoo.com -h", Help(topic="log")),
    ],
)
def test_each_verb_and_flag_parses_to_its_command(text: str, command: object) -> None:
    assert parse(text) == command


def minimal_line(verb: str) -> str:
    """The shortest valid line for a verb: its required arguments, with example values."""
    from bot.core.catalog import Kind

    examples = {Kind.DOMAIN: "yahoo.com", Kind.NAME: "n1", Kind.COUNT: "1", Kind.VERB: "help",
                Kind.SETTING: "connection_limit=1"}
    words = [verb]
    for arg in CATALOG[verb].args:
        if arg.required:
            by_field = {"filter": "kumod=debug"}  # a log filter is checked as env-filter text
            # A sub-command: `list` when there is one (it needs no further words).
            choice = "list" if "list" in arg.choices else (arg.choices or ("",))[0]
            words.append(choice or by_field.get(arg.field, examples.get(arg.kind, "x")))
    return " ".join(words)


@pytest.mark.parametrize("verb", [name for name, spec in CATALOG.items() if spec.available])
def test_every_verb_files_under_an_incident(verb: str) -> None:
    command = parse(f"{minimal_line(verb)} --incident INC-42")
    assert command.verb == verb
    assert command.incident == "INC-42"


@pytest.mark.parametrize("spec", [s for s in CATALOG.values() if s.available], ids=str)
def test_every_available_spec_binds_to_fields_its_model_has(spec: object) -> None:
    from bot.core.catalog import VerbSpec

    assert isinstance(spec, VerbSpec)
    fields = type(parse(minimal_line(spec.name))).model_fields
    for name in [a.field for a in spec.args] + [f.field for f in spec.all_flags]:
        assert name in fields, f"{spec.name}: the catalog binds `{name}`, the model lacks it"


def test_command_to_dict_is_json_safe_with_durations_in_seconds() -> None:
    data = command_to_dict(parse("tsa history yahoo.com --since 2h --incident I1"))
    assert data == {
        "verb": "tsa", "domain": "yahoo.com", "history": True, "since": 7200.0, "incident": "I1",
    }
    assert json.loads(json.dumps(data)) == data


# --- verbs: unknown, planned ---------------------------------------------------------------


def test_unknown_verb_suggests_the_nearest() -> None:
    error = refusal("qeueu yahoo.com")
    assert error.message == "I don't know the verb `qeueu`."
    assert error.hint is not None
    assert error.hint.startswith("Did you mean `queue`?")
    assert "`/kumo VERB [ARGS] [--flag VALUE]`" in error.hint
    assert "`doctor`" in error.hint


def test_unknown_verb_after_the_kumo_prefix_still_suggests() -> None:
    assert "Did you mean `health`?" in str(refusal("/kumo helth").hint)


def test_gibberish_gets_no_suggestion() -> None:
    assert "Did you mean" not in str(refusal("zzzzqx").hint)


@pytest.mark.parametrize("verb", ["incident"])
def test_designed_verbs_say_plainly_they_are_not_available_yet(
        verb: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every verb ships now; keep the path honest by unshipping one for the test.
    unshipped = dict(CATALOG, **{verb: CATALOG[verb].model_copy(update={"available": False})})
    monkeypatch.setattr(commands_module, "CATALOG", unshipped)
    error = refusal(f"{verb} yahoo.com")
    assert error.message == f"`{verb}` is designed but not available in this version yet."
    assert error.hint is not None
    assert f"`/kumo {verb}" in error.hint


# --- values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("yahoo..com", "empty label"),
        (".yahoo.com", "empty label"),
        ("-bad.com", "starts or ends with `-`"),
        ("bad-.com", "starts or ends with `-`"),
        ("<!channel>", "only letters, digits, hyphens and dots"),
        ("<@U123>", "only letters, digits, hyphens and dots"),
        ("ya_hoo.com", "only letters, digits, hyphens and dots"),
        ("ya hoo.com", "contains a space"),
        ("yahoo", "at least one dot"),
        ("1.2.3.4", "IP address"),
        ("bob@yahoo.com", "give its domain, `yahoo.com`"),
        ("a" * 64 + ".com", "longer than DNS allows"),
        ("https://yahoo.com/x", "only letters"),
    ],
)
def test_a_domain_must_look_like_a_domain(bad: str, why: str) -> None:
    error = refusal(f'queue "{bad}"')
    assert error.message.startswith(f"`{bad}` is not a domain: ")
    assert why in error.message
    assert error.hint == f"Usage: {QUEUE_USAGE}"


@pytest.mark.parametrize("bad", ["we$b", "web 1", "../etc", "n" * 70, "<@U1>"])
def test_a_node_must_be_a_plain_name(bad: str) -> None:
    error = refusal(f'health "{bad}"')
    assert f"`{bad}` is not a valid name" in error.message


@pytest.mark.parametrize("bad", ["0", "1001", "abc", "-5", "1_000", "５", "2.5", "99999999"])
def test_limit_must_be_a_whole_number_from_1_to_1000(bad: str) -> None:
    error = refusal(f"queue --limit={bad}")
    assert error.message == f"`--limit`: `{bad}` is not a whole number from 1 to 1000."


def test_a_bad_since_names_the_flag_and_the_accepted_forms() -> None:
    error = refusal("tsa history --since soon")
    assert error.message == "`--since`: `soon` is not a duration I understand."
    assert error.hint is not None
    assert "`1h30m`" in error.hint
    assert "`/kumo tsa history [DOMAIN] [--since DUR]`" in error.hint


def test_since_without_history_is_refused() -> None:
    error = refusal("tsa yahoo.com --since 2h")
    assert error.message == "`--since` only works with `tsa history`."


def test_an_unquoted_duration_with_spaces_explains_the_quoting() -> None:
    assert '`--since "2 hours"`' in str(refusal("tsa history --since 2 hours").hint)


def test_long_bad_words_are_echoed_shortened() -> None:
    error = refusal("queue " + "x" * 500 + ".com")
    assert "…" in error.message
    assert len(error.message) < 250


# --- flags and positional words ------------------------------------------------------------


def test_unknown_flag_suggests_the_nearest_flag_of_that_verb() -> None:
    error = refusal("queue yahoo.com --nod n1")
    assert error.message == "`queue` has no flag `--nod`."
    assert error.hint == f"Did you mean `--node`?\nUsage: {QUEUE_USAGE}"


def test_a_flag_of_another_verb_is_unknown_here() -> None:
    error = refusal("providers --by-volume")
    assert error.message == "`providers` has no flag `--by-volume`."
    assert "Did you mean `--by-pool`?" in str(error.hint)


@pytest.mark.parametrize("text", ["queue --node", "queue --node --limit 5", "queue --node="])
def test_a_flag_without_its_value_is_refused(text: str) -> None:
    assert refusal(text).message == "`--node` needs a value: `--node N`."


@pytest.mark.parametrize("text", ["queue --limit 5 --limit 6", "queue --limit 5 --limit=6"])
def test_a_flag_given_twice_is_refused(text: str) -> None:
    assert refusal(text).message == "`--limit` is given twice; give it once."


def test_a_switch_takes_no_value() -> None:
    error = refusal("queue --by-volume=yes")
    assert error.message == "`--by-volume` is a switch and takes no value (got `--by-volume=yes`)."


def test_an_extra_positional_word_is_refused() -> None:
    error = refusal("queue yahoo.com gmail.com")
    assert error.message == "`gmail.com` is one argument too many for `queue`."
    assert refusal("tsa yahoo.com history").message == (
        "`history` is one argument too many for `tsa`."
    )


def test_a_verb_without_arguments_says_so() -> None:
    assert refusal("doctor now").message == "`doctor` takes no arguments (got `now`)."


@pytest.mark.parametrize(
    "text", ['"', "'", "\\", "<>", "<@>", "--", "-", "queue --", "queue -", "queue ''",
             'queue ""', "--limit 5", "queue --=5", "help help help", "queue \x00\x00"],
)
def test_odd_text_is_a_user_error_or_a_command_never_a_crash(text: str) -> None:
    try:
        parse(text)
    except UserInputError as error:
        assert error.message


# --- the catalog, usage and help -----------------------------------------------------------

DESIGNED_VERBS = [
    "help", "queue", "providers", "holds", "tsa", "log", "responses", "health", "explain",
    "diagnose", "trend", "who", "blocklists", "auth", "doctor", "audit", "suspend",
    "suspend-path", "cancel", "shaping", "log-filter", "bounce", "rebind", "xfer", "incident",
    "playbook", "postmortem",
]


def test_the_catalog_lists_every_designed_verb_in_design_order() -> None:
    assert list(CATALOG) == DESIGNED_VERBS


def test_exactly_the_first_release_verbs_are_available() -> None:
    available = {name for name, spec in CATALOG.items() if spec.available}
    assert available == {"help", "queue", "providers", "holds", "tsa", "log", "responses",
                         "health", "explain", "diagnose", "doctor", "audit", "trend",
                         "who", "blocklists", "auth",
                         # the guarded writes (issue 6)
                         "suspend", "suspend-path", "cancel", "bounce", "shaping", "rebind",
                         "xfer", "log-filter",
                         "incident",  # incidents (issue 8)
                         "postmortem",  # post-mortems (issue 8)
                         "playbook",  # playbook runs (issue 10)
                         }


@pytest.mark.parametrize("spec", list(CATALOG.values()), ids=lambda s: s.name)
def test_every_flag_of_a_verb_appears_in_its_usage(spec: object) -> None:
    from bot.core.catalog import VerbSpec

    assert isinstance(spec, VerbSpec)
    written = " ".join(spec.usage)
    for flag in spec.flags:
        assert f"--{flag.name}" in written


def test_conditional_action_classes_keep_the_design_wording() -> None:
    assert CATALOG["suspend"].action_class == "change (dangerous beyond 4 h)"
    assert CATALOG["log-filter"].action_class == "change up to 60 min, dangerous beyond"
    assert CATALOG["rebind"].action_class == "dangerous"


def test_usage_gives_every_form_of_a_verb() -> None:
    assert usage("tsa") == "`/kumo tsa [DOMAIN]` or `/kumo tsa history [DOMAIN] [--since DUR]`"
    assert usage("queue") == QUEUE_USAGE


def test_usage_of_an_unknown_verb_suggests_the_nearest() -> None:
    with pytest.raises(UserInputError, match="`qeue`"):
        usage("qeue")


def test_help_without_a_topic_lists_every_verb_then_notes_and_no_empty_planned_section() -> None:
    text = help_text(None)
    available, notes = text.sections  # every designed verb ships: no "not yet" heading
    assert available.heading == "Available now"
    assert len(available.lines) == sum(spec.available for spec in CATALOG.values())
    assert available.lines[1].startswith(QUEUE_USAGE)
    reads = [CATALOG[name].action_class == "read"
             for name, spec in CATALOG.items() if spec.available]
    assert all(line.endswith("Class: read.") == read
               for line, read in zip(available.lines, reads, strict=True))
    assert any("Class: change (dangerous beyond 4 h)." in line for line in available.lines)
    assert len(available.lines) == len(CATALOG)
    assert any("Class: change up to 60 min, dangerous beyond." in line
               for line in available.lines)  # log-filter, available since issue 6
    assert any("--incident ID" in line for line in notes.lines)
    assert "<" not in repr(text) and "*" not in repr(text)  # plain text, no Slack markup


def test_help_for_a_verb_gives_usage_description_class_and_flags() -> None:
    text = help_text("queue")
    assert text.title == "/kumo queue"
    sections = {section.heading: section.lines for section in text.sections}
    assert sections["Usage"] == (QUEUE_USAGE,)
    assert "Class: read." in sections["What it does"]
    assert "`--node N`: ask only this node of the park" in sections["Flags"]
    assert any(line.startswith("`--by-volume`:") for line in sections["Flags"])
    assert any(line.startswith("`--incident ID`:") for line in sections["Flags"])


def test_help_for_a_planned_verb_says_it_is_not_available_yet() -> None:
    log_filter = {s.heading: s.lines for s in help_text("log-filter").sections}
    assert "Designed but not available in this version yet." not in log_filter["What it does"]
    sections = {s.heading: s.lines for s in help_text("bounce").sections}
    assert "`--queue Q`: bounce this exact queue (repeat for more)" in sections["Flags"]
    assert len(sections["Usage"]) == 3


def test_help_for_an_unknown_topic_suggests_the_nearest_verb() -> None:
    error = refusal("help lgo")
    assert error.message == "I don't know the verb `lgo`."
    assert "Did you mean `log`?" in str(error.hint)
    with pytest.raises(UserInputError):
        help_text("qeue")


# --- the grammar already carries the planned verbs -----------------------------------------


def test_repeatable_flags_collect_every_value() -> None:
    values = bind(CATALOG["bounce"], ["--queue", "a@x.com", "--queue=b@y.com", "--reason", "r"])
    assert values == {"queues": ["a@x.com", "b@y.com"], "reason": "r"}


def test_sub_commands_take_one_of_their_words_and_suggest_the_nearest() -> None:
    assert bind(CATALOG["incident"], ["note", "paused", "yahoo"]) == {
        "action": "note", "text": "paused yahoo",
    }
    with pytest.raises(UserInputError) as caught:
        bind(CATALOG["incident"], ["strat", "x"])
    assert caught.value.message.startswith("`strat` is not one of `start`, `note`")
    assert str(caught.value.hint).startswith("Did you mean `start`?")
    with pytest.raises(UserInputError, match="needs one of"):
        bind(CATALOG["playbook"], [])


def test_settings_and_required_arguments_are_checked() -> None:
    assert bind(CATALOG["shaping"], ["set", "gmail.com", "max_connection_rate=10/s"]) == {
        "action": "set", "domain": "gmail.com", "setting": "max_connection_rate=10/s",
    }
    with pytest.raises(UserInputError, match="is not a `KEY=VALUE` setting"):
        bind(CATALOG["shaping"], ["set", "gmail.com", "fast"])
    with pytest.raises(UserInputError, match=r"`log` needs DOMAIN\."):
        bind(CATALOG["log"], ["--site"])
