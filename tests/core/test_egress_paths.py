"""Which egress paths exist, from the per-path metrics' ``service`` labels."""

from __future__ import annotations

from bot.core.egress_paths import known_paths, missing_path, sources_to_site
from bot.core.models import MetricSample


def test_paths_come_from_the_service_labels_of_the_per_path_metrics_only() -> None:
    samples = [
        MetricSample("ready_count", {"service": "smtp_client:ip-1->site.example@smtp_client"}, 3),
        MetricSample("ready_count", {"service": "smtp_client"}, 3),  # the roll-up
        MetricSample("scheduled_count", {"queue": "a.example"}, 9),
        MetricSample("total_messages_delivered_total",
                     {"service": "smtp_client:ip-2->site.example@smtp_client"}, 1),
    ]
    assert known_paths(samples) == {"ip-1->site.example@smtp_client",
                                    "ip-2->site.example@smtp_client"}


def test_a_missing_path_names_what_exists_for_its_site_or_its_source() -> None:
    paths = [f"ip-{i}->s{i % 2}.example@smtp_client" for i in range(1, 30)]
    assert missing_path("ip-1", "s1.example", paths) is None
    assert "not `ip-99`" in str(missing_path("ip-99", "s0.example", paths))
    assert "and 2 more" in str(missing_path("ip-99", "s0.example", paths))  # 14, 12 shown
    assert "has paths to `s1.example`, not to `x.example`" in str(
        missing_path("ip-1", "x.example", paths))
    assert missing_path("no", "where", paths) == \
        "No node's metrics show source `no` or site `where`."


def test_the_sources_of_a_site_are_those_of_its_smtp_paths() -> None:
    paths = ["ip-1->s.example@smtp_client", "ip-2->s.example@smtp_client",
             "ip-3->other.example@smtp_client", "ip-4->s.example@lua:x", "s.example@smtp_client"]
    assert sources_to_site(paths, "s.example") == {"ip-1", "ip-2"}
    assert sources_to_site(paths, "none.example") == set()
