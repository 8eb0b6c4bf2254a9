"""``kumo-bot classify``: replies on stdin, one JSON object per line on stdout.

Each input line is a reply as plain text, or a JSON object with a ``response`` field:
a string, or kumod's log-record ``response`` object (``code``, ``enhanced_code``,
``content``; REFERENCE 4.3).  A JSON line may also carry ``domain`` or ``recipient``,
``site``, ``egress_source`` and ``queue`` (a whole kumod log record works), which
sharpen the TSA rules; without a domain it is inferred from the provider signature,
as ``explain`` does.  Line N in gives line N out: a line that cannot be read gets an
``error`` object, never a crash.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from bot.core.explanation import Explanation
from bot.core.queuenames import parse_scheduled_queue
from bot.core.responses import ResponseLine, parse_response, response_from_parts
from bot.core.tsa_effects import RecordContext
from bot.use_cases.knowledge import ResponseKnowledge

MAX_LINE_BYTES = 64 * 1024
"""A line longer than this is read only this far (no real reply comes close)."""


class _BadLine(ValueError):
    """A line that holds no reply the classifier can read."""


def read_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[tuple[bytes, bool]]:
    """Lines of a byte stream, each cut at ``limit`` bytes: ``(line, was_cut)``."""
    while True:
        chunk = stream.readline(limit)
        if not chunk:
            return
        cut = not chunk.endswith(b"\n") and len(chunk) >= limit
        if cut:
            while (rest := stream.readline(limit)) and not rest.endswith(b"\n"):
                pass  # skip the remainder of an over-long line, in bounded pieces
        yield chunk.rstrip(b"\r\n"), cut


def classify_stream(knowledge: ResponseKnowledge, stream: IO[bytes], out: IO[str], *,
                    domain: str | None = None) -> int:
    """Classify every line of ``stream`` into ``out``; the number of lines written."""
    count = 0
    for number, (raw, cut) in enumerate(read_lines(stream), start=1):
        out.write(orjson.dumps(classify_line(knowledge, raw, number, cut=cut,
                                             domain=domain)).decode() + "\n")
        count += 1
    out.flush()
    return count


def classify_line(knowledge: ResponseKnowledge, raw: bytes, number: int, *, cut: bool = False,
                  domain: str | None = None) -> dict[str, Any]:
    """One input line as one output object (or an ``error`` object)."""
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return {"line": number, "error": "empty line: no reply to classify"}
    record: dict[str, Any] = {}
    try:
        if text.lstrip().startswith("{"):
            record = _json_object(text)
            line = _record_reply(record)
        else:
            line = parse_response(text)
    except _BadLine as exc:
        return {"line": number, "error": str(exc)}
    context = _context(record, domain)
    explanation = knowledge.explain(line, domain=context.domain if context else None,
                                    context=context)
    result = _result(number, explanation)
    if "id" in record:
        result["id"] = record["id"]
    if cut or line.truncated:
        result["truncated"] = True
    return result


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise _BadLine(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise _BadLine("a JSON line must be an object with a `response` field")
    return value


def _record_reply(record: dict[str, Any]) -> ResponseLine:
    reply = record.get("response")
    if isinstance(reply, str):
        if not reply.strip():
            raise _BadLine("the `response` field is empty")
        return parse_response(reply)
    if isinstance(reply, dict) and isinstance(reply.get("content"), str):
        code = reply.get("code")
        enhanced = reply.get("enhanced_code")
        dotted = None
        if isinstance(enhanced, dict):
            parts = [enhanced.get(k) for k in ("class", "subject", "detail")]
            if all(isinstance(p, int) for p in parts):
                dotted = ".".join(str(p) for p in parts)
        return response_from_parts(code if isinstance(code, int) else None, dotted,
                                   reply["content"])
    raise _BadLine("no `response` field: give the reply as a string, or kumod's response "
                   "object with `code`, `enhanced_code` and `content`")


def _context(record: dict[str, Any], forced: str | None) -> RecordContext | None:
    domain = forced or _str(record.get("domain"))
    recipient = record.get("recipient")
    if isinstance(recipient, list):
        recipient = recipient[0] if recipient else None
    if domain is None and isinstance(recipient, str) and "@" in recipient:
        domain = recipient.rsplit("@", 1)[1].strip("<> ").lower()
    if not domain:
        return None
    source = _str(record.get("egress_source"))
    site = _str(record.get("site"))
    if site:
        # `record.site` is the ready-queue name; tsa-daemon strips `source->` and `@smtp_client`.
        site = site.removeprefix(f"{source or 'unspecified'}->").removesuffix("@smtp_client")
    tenant = campaign = None
    queue = _str(record.get("queue"))
    if queue:
        parsed = parse_scheduled_queue(queue)
        tenant, campaign = parsed.tenant or None, parsed.campaign or None
    return RecordContext(domain=domain, site=site or None, source=source, tenant=tenant,
                         campaign=campaign)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _result(number: int, e: Explanation) -> dict[str, Any]:
    c = e.classification
    return {
        "line": number,
        "response": c.line,
        "code": c.code,
        "enhanced": c.enhanced,
        "category": c.category,
        "provider": c.provider,
        "temporary_in_nature": c.temporary_in_nature,
        "should_suppress_recipient": c.should_suppress_recipient,
        "internal": c.internal,
        "rule": c.rule_id,
        "blocklists": [b.name for b in c.blocklists],
        "domain": e.domain,
        "domain_assumed": e.domain_how == "inferred",
        "site": e.site,
        "matched_rules": [
            {
                "file": r.file,
                "scope": r.scope,
                "rule": r.number,
                "regex": r.regex,
                "trigger": r.trigger,
                "threshold": r.threshold,
                "duration_seconds": int(r.duration.total_seconds()),
                "actions": [a.text for a in r.actions],
            }
            for r in e.fired
        ],
        "notes": [*c.notes, *e.notes],
    }
