"""Test support: Slack's documented request shapes (signed) and Block Kit validation."""
