"""Slack adapter: Bolt listeners, Block Kit views, and the local Slack Web API emulator."""
