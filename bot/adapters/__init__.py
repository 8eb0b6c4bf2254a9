"""Adapters: the technology behind each port (httpx, Slack Bolt, SQL, DNS, files)."""
