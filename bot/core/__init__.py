"""The pure core of kumo-bot.

Rule: nothing under ``bot.core`` does network or database I/O, and nothing here
imports Slack (slack_bolt, slack_sdk), httpx, SQLAlchemy/SQLModel or tenacity.
Core code takes plain values (parsed metrics, hold lists, MX records) and returns
plain values (typed commands, summaries, findings). ``tests/test_architecture.py``
scans the imports and fails the build if this rule breaks.
"""
