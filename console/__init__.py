"""Folio's console mode: a terminal that plays Slack against the real Bolt app.

repl (the prompt), commands (`:user`, `:clock` …), requests (typed lines as signed Slack
requests), text + blockkit + mrkdwn (what Slack would show, as terminal text), loopback/
(the stand-in Slack Web API), demo + demo_data (the demo portfolio: how it is written, and
what it holds), importer (`bot.py import FILE`).
"""
