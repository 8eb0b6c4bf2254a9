"""kumo-bot: a Slack ChatOps assistant for teams that run KumoMTA."""

__version__ = "0.1.0"
