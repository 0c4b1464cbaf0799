"""The console: a terminal that plays Slack against the real bot, through a fake Web API."""
