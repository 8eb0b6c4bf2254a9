"""Block Kit for ``/kumo incident ...``: the incident card, its status, the list.

Titles, notes, hold reasons and command texts are untrusted: everything goes through
``escape``/``code``; the title never goes into a header (plain text there would carry
it unescaped to other clients).  Slack ids are shown as mentions only for the people
who acted on the incident.
"""

from __future__ import annotations

from bot.adapters.slack.blocks import DIVIDER, Block, context, section
from bot.adapters.slack.text import clip, code, escape
from bot.adapters.slack.views_park import hold_line
from bot.adapters.slack.views_playbook import milestone_text
from bot.core.answers import AnswerBase
from bot.core.answers_incident import (
    IncidentAnswer,
    IncidentListAnswer,
    IncidentStatusAnswer,
)
from bot.core.incidents import Incident, TimelineEntry
from bot.core.tsa_timeline import RULE_CHARS, TSA_DETAIL

_SIDE = {"tsa": "by TSA", "bot": "by the bot", "out-of-band": ":warning: made outside the bot"}
_EVENT = {"started": ":rotating_light: Incident started", "noted": ":memo: Note added",
          "resolved": ":white_check_mark: Incident resolved",
          "already-resolved": "Incident already resolved"}
_KIND_ICON = {"opened": ":rotating_light:", "command": ":mag:", "request": ":raised_hand:",
              "approval": ":ballot_box_with_check:", "change": ":hammer_and_wrench:",
              "note": ":memo:", "playbook": ":clipboard:", "tsa": ":robot_face:",
              "out-of-band": ":warning:", "resolved": ":white_check_mark:"}


def _who(user: str | None) -> str:
    return f"<@{escape(user)}>" if user else "someone"


def incident_head(incident: Incident) -> str:
    """Id, status, title, domains, channel, who opened it and when (mrkdwn, escaped)."""
    state = ":red_circle: open" if incident.status == "open" else ":white_check_mark: resolved"
    lines = [f"*{escape(incident.id)}* · {state} · *{escape(clip(incident.title, 300))}*"]
    domains = ", ".join(code(d) for d in incident.domains) or "none named"
    where = f"<#{escape(incident.channel)}>" if incident.channel else "no channel"
    lines.append(f"domains: {domains} · channel: {where}")
    opened = f"opened by {_who(incident.opened_by)} at {incident.opened_at:%Y-%m-%d %H:%M} UTC"
    if incident.resolved_at is not None:
        opened += (f" · resolved by {_who(incident.resolved_by)} at "
                   f"{incident.resolved_at:%Y-%m-%d %H:%M} UTC")
    lines.append(opened)
    return "\n".join(lines)


def timeline_line(entry: TimelineEntry) -> str:
    """One timeline entry as one line of mrkdwn (escaped)."""
    icon = _KIND_ICON.get(entry.kind, "•")
    line = f"{icon} *{entry.at:%H:%M:%S}* {escape(clip(entry.text, 300))}"
    if entry.quoted:
        limit = RULE_CHARS if entry.kind == "tsa" else 160
        line += " " + code(clip(" ".join(entry.quoted.split()), limit))
    if entry.actor and entry.actor not in ("tsa", "kumod"):
        line += f" · {code(entry.actor)}"
    if entry.approver:
        line += f" · approved by {code(entry.approver)}"
    if entry.nodes and entry.kind == "change":
        line += " · " + _node_results(entry.nodes)
    return line


def _node_results(nodes: dict[str, str]) -> str:
    """``mta1, mta2: ok`` when every node answered ok (the ids a write returns say nothing
    here); else each node with its result, cut short."""
    names = sorted(nodes)
    if all(nodes[n].partition(":")[0] == "ok" for n in names):
        return ", ".join(escape(n) for n in names[:8]) + (" …" if len(names) > 8 else "") + ": ok"
    return ", ".join(f"{escape(n)}: {escape(clip(nodes[n], 80))}" for n in names[:8])


def _out_of_band(entries: list[TimelineEntry]) -> list[Block]:
    if not entries:
        return []
    lines = "\n".join(timeline_line(e) for e in entries[:10])
    return [section(":warning: *Holds made outside the bot*, recorded on the timeline:\n"
                    + lines)]


def build_incident_card(answer: IncidentAnswer) -> list[Block]:
    """The card: what just happened, then the incident."""
    blocks: list[Block] = [section(f"{_EVENT[answer.event]}\n{incident_head(answer.incident)}")]
    if answer.note is not None:
        blocks.append(section(f":memo: {code(clip(' '.join(answer.note.split()), 2500))}"))
    if answer.channel_problem:
        flag = code("--incident " + answer.incident.id)
        blocks.append(section(f":x: The incident channel could not be made: "
                              f"{escape(answer.channel_problem)}. The incident is open; "
                              f"file commands under it with {flag}."))
    elif answer.event == "started" and answer.incident.channel is None:
        blocks.append(context(f"No channel: file commands under it with "
                              f"{code('--incident ' + answer.incident.id)}."))
    elif answer.event == "started":
        blocks.append(context("Commands typed in the incident's channel are filed under it; "
                              f"elsewhere add {code('--incident ' + answer.incident.id)}."))
    return blocks + _out_of_band(answer.out_of_band)


def build_incident_status(answer: IncidentStatusAnswer) -> list[Block]:
    """Where the incident stands: holds, findings, pending requests, playbooks, timeline."""
    blocks: list[Block] = [section(incident_head(answer.incident))]
    if not answer.incident.domains:
        holds = "_no domain named, so no holds to show_"
    elif not answer.holds:
        holds = "none on these domains"
    else:
        holds = "\n".join(f"{hold_line(h.hold)}\n      {_SIDE[h.side]}"
                          for h in answer.holds[:10])
    blocks.append(section(f"*Holds now*\n{holds}"))
    findings = "\n".join(
        f"• {code(f.domain)} _{escape(f.severity)}_: {escape(clip(f.verdict, 300))}"
        f"\n      first step: {escape(clip(f.first_step, 300))}" for f in answer.findings[:9])
    problems = "\n".join(f":grey_question: {escape(p)}" for p in answer.findings_problems)
    body = "\n".join(x for x in (findings, problems) if x) or "none"
    # the source names who last ran diagnose as a <@U…> mention: keep it, escape the rest
    blocks.append(section(f"*Last findings*: {milestone_text(answer.findings_source)}\n{body}"))
    pending = "\n".join(
        f"• {code(p.command_text)} by {_who(p.requester)}: waits for "
        f"{'Confirm' if p.decision == 'confirm' else 'sign-off'} "
        f"({len(p.approvals)}/{p.approvals_needed}), expires {p.expires:%H:%M} UTC"
        for p in answer.pending[:10]) or "none"
    blocks.append(section(f"*Pending approvals*\n{pending}"))
    if answer.playbook_runs is None:
        runs = "none (playbook runs are not available in this version)"
    else:
        runs = "\n".join(f"• {code(r.playbook)} {escape(r.state)}"
                         + (f", at {escape(r.step)}" if r.step else "")
                         + f" (started {r.started_at:%H:%M} UTC)"
                         for r in answer.playbook_runs[:10]) or "none"
    blocks.append(section(f"*Playbook runs*\n{runs}"))
    blocks += _out_of_band(answer.out_of_band)
    if answer.recent:
        blocks += [DIVIDER, section(
            f"*Timeline* (last {len(answer.recent)} of {answer.timeline_size})\n"
            + "\n".join(timeline_line(e) for e in answer.recent))]
        if any(e.kind == "tsa" for e in answer.recent):
            blocks.append(context(escape(TSA_DETAIL)))
    return blocks


def build_incident_list(answer: IncidentListAnswer) -> list[Block]:
    """Open incidents first, then resolved ones."""
    if not answer.incidents:
        return [section("No incidents yet. Start one: "
                        + code('/kumo incident start "TITLE" --domain D'))]
    return [section(incident_head(i)) for i in answer.incidents[:20]]


def build_incident_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """The blocks and fallback text of an incident answer (None: not one)."""
    if isinstance(answer, IncidentAnswer):
        return build_incident_card(answer), f"{answer.incident.id}: {answer.incident.title}"
    if isinstance(answer, IncidentStatusAnswer):
        return (build_incident_status(answer),
                f"{answer.incident.id} status: {answer.incident.title}")
    if isinstance(answer, IncidentListAnswer):
        return build_incident_list(answer), f"{len(answer.incidents)} incident(s)"
    return None
