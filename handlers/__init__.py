"""Slack in and out: one module per surface, each with register(app, services)."""
