"""The tsa-daemon's state: automation actions, their expiry and their export.

Independent reading of REFERENCE §5.1-§5.6. A published log record is matched
against the policy's automation rules; a triggered rule creates or refreshes
(same key, later expiry) a ready-queue suspension, a scheduled-queue
suspension, a bounce or a config override. Subscribers (the kumod nodes and
websocket clients) get each new item live; a (re)connecting subscriber gets a
snapshot first. `rule_hash` is the bare hex in snapshots and `<site>-<hex>` in
live events and in scheduled-queue items (§5.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tomlkit

from bot.simulator.shaping import Action, Override, Rule, Shaping, response_line
from bot.simulator.wire import NS_PER_S, rfc3339, rfc3339_offset

# (kind, body); kind is "ReadyQSuspension", "SchedQSuspension" or "SchedQBounce".
Event = tuple[str, dict[str, Any]]
Listener = Callable[[Event], None]


@dataclass
class _Item:
    kind: str
    hex: str
    site: str  # the triggering record's `site`: the full ready-queue name
    reason: str
    expires_ns: int
    source: str = ""
    domain: str = ""
    tenant: str | None = None
    campaign: str | None = None
    override: Override | None = None

    def body(self, *, live: bool) -> dict[str, Any]:
        expires = rfc3339(self.expires_ns)
        if self.kind == "ReadyQSuspension":
            return {"rule_hash": f"{self.site}-{self.hex}" if live else self.hex,
                    "site_name": self.site, "reason": self.reason, "source": self.source,
                    "expires": expires}
        full_hash = f"{self.site}-{self.hex}"
        if self.kind == "SchedQSuspension":
            return {"rule_hash": full_hash, "tenant": self.tenant, "domain": self.domain,
                    "campaign": self.campaign, "reason": self.reason, "expires": expires}
        return {"rule_hash": full_hash, "domain": self.domain, "tenant": self.tenant,
                "campaign": self.campaign, "reason": self.reason, "expires": expires}


def parse_queue(name: str) -> tuple[str | None, str | None, str, str | None]:
    """(campaign, tenant, domain, routing_domain) of a scheduled-queue name (§0.1)."""
    prefix, at, rest = name.partition("@")
    if not at:
        prefix, rest = "", name
    campaign: str | None = None
    tenant: str | None = None
    if at:
        camp, colon, ten = prefix.partition(":")
        if colon:
            campaign, tenant = camp, (ten or None)
        else:
            tenant = prefix or None
    domain, bang, routing = rest.partition("!")
    return campaign, tenant, domain, (routing if bang else None)


class TsaState:
    """In-memory state of the park's tsa-daemon."""

    def __init__(self, shaping: Shaping) -> None:
        self.shaping = shaping
        self._items: dict[tuple[Any, ...], _Item] = {}
        self._events: dict[tuple[str, str], list[int]] = {}
        self._listeners: list[Listener] = []
        self.revision = 0  # bumped whenever an item appears, changes or expires

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def wants(self, record: dict[str, Any]) -> bool:
        """kumod's `pre_filter`: publish only records that some automation rule matches."""
        return bool(self._matching_rules(record))

    def publish(self, record: dict[str, Any], now_ns: int) -> list[Event]:
        """Process one published record (`/publish_log_v1`); returns and pushes live events."""
        events: list[Event] = []
        recipient = record.get("recipient")
        first = recipient[0] if isinstance(recipient, list) and recipient else recipient
        if not isinstance(first, str) or first.lower().strip("<>") == "postmaster":
            return events
        domain = first.rpartition("@")[2].lower()
        source = record.get("egress_source") or "unspecified"
        site = str(record.get("site") or "")
        ts = int(record.get("timestamp") or now_ns // NS_PER_S)
        for rule in self._matching_rules(record):
            expires = ts * NS_PER_S + rule.duration_ns
            if expires <= now_ns:
                continue  # delayed and already expired: no sense recording it
            if rule.threshold is not None and self._count(rule, site, ts, now_ns) < rule.threshold:
                continue
            for action in rule.actions:
                item = self._act(rule, action, record, domain, source, site, expires)
                if item is not None and item.kind != "Config":
                    events.append((item.kind, item.body(live=True)))
        for event in events:
            for listener in list(self._listeners):
                listener(event)
        return events

    def prune(self, now_ns: int) -> None:
        """Drop expired items (tsa-daemon prunes every 60 s; listings hide them at once)."""
        for key in [k for k, v in self._items.items() if v.expires_ns <= now_ns]:
            del self._items[key]
            self.revision += 1

    def snapshot(self, now_ns: int) -> list[Event]:
        """Every active suspension and bounce, as replayed to a (re)connecting subscriber."""
        self.prune(now_ns)
        kinds = ("ReadyQSuspension", "SchedQSuspension", "SchedQBounce")
        return [(kind, i.body(live=False)) for kind in kinds for i in self._sorted(kind)]

    def suspended_json(self, now_ns: int) -> dict[str, list[dict[str, Any]]]:
        self.prune(now_ns)
        return {"ready_q": [i.body(live=False) for i in self._sorted("ReadyQSuspension")],
                "sched_q": [i.body(live=False) for i in self._sorted("SchedQSuspension")]}

    def bounced_json(self, now_ns: int) -> list[dict[str, Any]]:
        self.prune(now_ns)
        return [i.body(live=False) for i in self._sorted("SchedQBounce")]

    def overrides(self, now_ns: int) -> list[Override]:
        self.prune(now_ns)
        return [i.override for i in self._items.values() if i.override is not None]

    def config_toml(self, now_ns: int) -> str:
        """`/get_config_v1/shaping.toml` in the layout of REFERENCE §5.4."""
        self.prune(now_ns)
        configs = sorted(
            (i for i in self._items.values() if i.override is not None),
            key=lambda i: (i.expires_ns, i.domain, i.source, i.override.name if i.override else ""),
        )
        header = f"# Generated by tsa-daemon\n# Number of entries: {len(configs)}\n"
        if not configs:
            return header
        by_domain: dict[str, dict[str, list[_Item]]] = {}
        for item in configs:
            by_domain.setdefault(item.domain, {}).setdefault(item.source, []).append(item)
        lines: list[str] = []
        for domain, sources in by_domain.items():
            rollup = sources[next(iter(sources))][0].override
            lines += [f"[{_key(domain)}]",
                      f"mx_rollup = {'true' if rollup and rollup.mx_rollup else 'false'}", ""]
            for source, items in sources.items():
                lines.append(f"[{_key(domain)}.sources.{_key(source)}]")
                for item in items:
                    name, value = (item.override.name, item.override.value) if item.override \
                        else ("", "")
                    lines += [f"# reason: {item.reason}",
                              f"# expires: {rfc3339_offset(item.expires_ns)}",
                              f"{name} = {tomlkit.item(value).as_string()}"]
                lines.append("")
        return f"{header}\n" + "\n".join(lines) + f"\n{header}"

    def _matching_rules(self, record: dict[str, Any]) -> list[Rule]:
        recipient = record.get("recipient")
        first = recipient[0] if isinstance(recipient, list) and recipient else recipient
        if not isinstance(first, str) or "@" not in first:
            return []
        response = record.get("response") or {}
        content = str(response.get("content") or "")
        line = response_line(int(response.get("code") or 0), response.get("enhanced_code"),
                             content)
        site = str(record.get("site") or "")
        site = site.partition("->")[2] if "->" in site else site
        site = site.removesuffix("@smtp_client")
        domain = first.rpartition("@")[2].lower()
        return [r for r in self.shaping.rules_for(domain, site) if r.matches(line, content)]

    def _count(self, rule: Rule, site: str, ts: int, now_ns: int) -> int:
        # The code counts over the rule's duration, not the threshold's period (§5.6).
        series = self._events.setdefault((rule.action_hash(Action("count")), site), [])
        series.append(ts)
        now_s = now_ns // NS_PER_S
        window = rule.duration_ns // NS_PER_S
        series[:] = [t for t in series if t > now_s - window - 300]
        return sum(1 for t in series if t >= now_s - window)

    def _act(self, rule: Rule, action: Action, record: dict[str, Any], domain: str,
             source: str, site: str, expires: int) -> _Item | None:
        hex_hash = rule.action_hash(action)
        base = f"automation rule: {rule.reason_regex}"
        campaign, tenant, q_domain, _ = parse_queue(str(record.get("queue") or ""))
        kind = action.kind
        if kind == "Suspend":
            item = _Item("ReadyQSuspension", hex_hash, site, base, expires, source=source)
            key: tuple[Any, ...] = ("rq", hex_hash, site)
        elif kind in ("SuspendTenant", "SuspendCampaign"):
            if tenant is None:
                return None  # tsa-daemon logs an error: the queue has no tenant
            camp = campaign if kind == "SuspendCampaign" else None
            reason = f"{base} tenant={tenant} domain={q_domain}" + (
                f" campaign={camp}" if camp else "")
            item = _Item("SchedQSuspension", hex_hash, site, reason, expires, domain=q_domain,
                         tenant=tenant, campaign=camp)
            key = ("sq", hex_hash, site, q_domain, tenant, camp)
        elif kind in ("Bounce", "BounceTenant", "BounceCampaign"):
            if kind != "Bounce" and tenant is None:
                return None
            camp = campaign if kind == "BounceCampaign" else None
            reason = f"{base} domain={q_domain}" + (f" tenant={tenant}" if tenant else "") + (
                f" campaign={camp}" if camp else "")
            item = _Item("SchedQBounce", hex_hash, site, reason, expires, domain=q_domain,
                         tenant=tenant, campaign=camp)
            key = ("b", hex_hash, site, q_domain, tenant, camp)
        elif kind in ("SetConfig", "SetDomainConfig"):
            rollup = rule.was_rollup if kind == "SetConfig" else False
            override = Override(domain, rollup, source, action.name, action.value)
            item = _Item("Config", hex_hash, site, base, expires, source=source, domain=domain,
                         override=override)
            key = ("c", hex_hash, site)
        else:
            return None
        self._items[key] = item
        self.revision += 1
        return item

    def _sorted(self, kind: str) -> list[_Item]:
        items = [i for i in self._items.values() if i.kind == kind]
        return sorted(items, key=lambda i: (i.expires_ns, i.source, i.tenant or "", i.domain,
                                            i.campaign or ""))


def _key(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
