"""``kumo-bot``: the command line. Settings are built here, once, and passed down."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from bot import __version__, bootstrap, bootstrap_demo, cli_playbooks, cli_postmortem, cli_storage
from bot.adapters.clock import SystemClock
from bot.adapters.slack.render import render_blocks
from bot.adapters.slack.terminal import Terminal
from bot.adapters.slack.views import build_answer_message
from bot.core.audit import Actor
from bot.core.errors import BotError, ConfigError
from bot.services import RequestContext, answer_help, is_help
from bot.settings import Settings, load_settings, require

log = logging.getLogger("kumo-bot")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kumo-bot", description="Slack ChatOps for KumoMTA.")
    p.add_argument("--version", action="version", version=f"kumo-bot {__version__}")
    sub = p.add_subparsers(dest="mode", required=True, metavar="MODE")
    demo = sub.add_parser("demo", help="simulated park + local Slack in this terminal")
    demo.add_argument("--scenario", default="yahoo-tss04", help="simulator scenario")
    demo.add_argument("--db", default=None, help="keep the demo database in this SQLite file")
    sub.add_parser("web", help="HTTP mode: POST /slack/events and GET /healthz on PORT")
    sub.add_parser("slack", help="Socket Mode (no public URL needed)")
    sub.add_parser("shell", help="the terminal against the configured park")
    ask = sub.add_parser("ask", help='answer one command, e.g. ask "queue yahoo.com"')
    ask.add_argument("text", help="the command, as typed after /kumo")
    ask.add_argument("--json", action="store_true", help="print the answer model as JSON")
    sub.add_parser("doctor", help="check access to every node (same as ask doctor)")
    cli_storage.add_parsers(sub)
    cli_playbooks.add_parsers(sub)
    cli_postmortem.add_parser(sub)
    classify = sub.add_parser("classify", help="replies on stdin (text or JSON lines) -> "
                              "one JSON classification per line, with the TSA rules that fire")
    classify.add_argument("--domain", default=None, help="the domain every reply came from")
    return p


def _terminal_user() -> Actor:
    import getpass

    name = getpass.getuser()
    return Actor(id=f"terminal:{name}", name=name)


def run_demo(scenario: str, db: str | None) -> int:
    from pathlib import Path

    from bot.simulator import SimulatedPark

    if scenario not in SimulatedPark.scenario_names():
        print(f"Unknown scenario {scenario!r}. Choose from: "
              + ", ".join(SimulatedPark.scenario_names()), file=sys.stderr)
        return 2
    demo = bootstrap_demo.build_demo(scenario, db=Path(db) if db else None)
    try:
        interactive = sys.stdin.isatty()
        print(f"kumo-bot demo: scenario {scenario!r}, {len(demo.park.node_urls)} simulated "
              f"kumod nodes, local Slack channel #incident. Type /help for terminal commands.",
              flush=True)

        def advance(delta: timedelta) -> datetime:
            demo.advance(delta)  # minute by minute: the sampler sees the time pass
            return demo.park.clock.now()

        term = Terminal(demo.local.bot, demo.local.emulator, users=demo.local.users,
                        advance=advance, restart=demo.park.restart_node)
        term.run(_lines(term) if interactive else sys.stdin, echo=not interactive)
    finally:
        demo.close()
    return 0


def _lines(term: Terminal) -> Iterator[str]:
    """Interactive input with the prompt; ends on EOF (Ctrl-D)."""
    while True:
        try:
            yield input(term.prompt)
        except EOFError:
            return


def run_shell(settings: Settings) -> int:
    require(settings, "KUMO_NODES")
    storage = bootstrap.build_storage(settings)
    services = bootstrap.build_services(settings, storage=storage)
    local = bootstrap_demo.build_local_slack(services, keys=storage.keys)
    try:
        term = Terminal(local.bot, local.emulator, users=local.users)
        interactive = sys.stdin.isatty()
        term.run(_lines(term) if interactive else sys.stdin, echo=not interactive)
    finally:
        local.close()
    return 0


def run_ask(settings: Settings, text: str, as_json: bool) -> int:
    if not settings.KUMO_NODES and is_help(text):  # help needs no park: answer it here
        answer = answer_help(text, SystemClock().now())
    else:
        require(settings, "KUMO_NODES")
        services = bootstrap.build_services(settings)
        actor = _terminal_user()
        answer = services.handle(text, RequestContext(actor=actor, transport="cli"))
    if as_json:
        print(answer.model_dump_json(indent=2))
    else:
        message = build_answer_message(answer, asked_by="", text=text)
        print(render_blocks(message.blocks, text_fallback=message.text).text)
    return 1 if getattr(answer, "kind", "") == "error" else 0


def run_web(settings: Settings) -> int:
    from bot.adapters.slack.web import build_wsgi_app, serve
    from bot.use_cases.overrides_file import overrides_route

    require(settings, "KUMO_NODES", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    storage = bootstrap.build_storage(settings)
    services = bootstrap.build_services(settings, storage=storage)
    bot = bootstrap.build_slack_bot(settings, services, keys=storage.keys)
    assert services.writes is not None  # build_services wires them with storage
    routes = overrides_route(services.writes.records, services.clock)
    # The metric sampler runs here too, so `trend` has history without a `watch` process.
    sampler = bootstrap.build_sampler(storage, services.park)
    serve(build_wsgi_app(bot, extra_routes=routes), port=settings.PORT,
          on_worker_start=None if sampler is None else lambda: sampler.start(poll=5.0))
    return 0


def run_socket(settings: Settings) -> int:
    from bot.adapters.slack.socket import run_socket_mode

    require(settings, "KUMO_NODES", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    assert settings.SLACK_APP_TOKEN is not None  # checked by require()
    storage = bootstrap.build_storage(settings)
    services = bootstrap.build_services(settings, storage=storage)
    bot = bootstrap.build_slack_bot(settings, services, keys=storage.keys)
    run_socket_mode(bot, settings.SLACK_APP_TOKEN.get_secret_value())
    return 0


def run_classify(settings: Settings, domain: str | None) -> int:
    from bot.core.catalog import Kind
    from bot.core.command_values import check_value
    from bot.use_cases.classify_lines import classify_stream

    if domain is not None:
        domain = str(check_value(Kind.DOMAIN, domain, "Usage: kumo-bot classify [--domain D]"))
    knowledge = bootstrap.build_knowledge(settings)
    for inert in knowledge.automation().inert_rules():  # operators think these protect them
        print(f"kumo-bot classify: note: {inert.rule.label}: {inert.why}", file=sys.stderr)
    classify_stream(knowledge, sys.stdin.buffer, sys.stdout, domain=domain)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kumo-bot`` console script."""
    args = _parser().parse_args(argv)
    quiet = args.mode in (
        "demo", "shell", "ask", "doctor", "classify", "playbooks", cli_postmortem.MODE,
        *cli_storage.QUIET_MODES
    )
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.mode == "demo":
            return run_demo(args.scenario, args.db)
        settings = load_settings()
        if args.mode == "web":
            return run_web(settings)
        if args.mode == "slack":
            return run_socket(settings)
        if args.mode == "shell":
            return run_shell(settings)
        if args.mode == "ask":
            return run_ask(settings, args.text, args.json)
        if args.mode == "doctor":
            return run_ask(settings, "doctor", False)
        if args.mode == "playbooks":
            return cli_playbooks.run(args, settings)
        if args.mode == cli_postmortem.MODE:
            return cli_postmortem.run(args, settings)
        if args.mode in cli_storage.MODES:
            return cli_storage.run(args, settings)
        if args.mode == "classify":
            return run_classify(settings, args.domain)
    except ConfigError as exc:
        print(f"kumo-bot: {exc}", file=sys.stderr)
        return 2
    except BotError as exc:
        print(f"kumo-bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
