"""Folio's console mode: a terminal that plays Slack against the real Bolt app.

repl (the prompt), commands (`:user`, `:clock` …), requests (typed lines as signed Slack
requests), text + blockkit + mrkdwn (what Slack would show, as terminal text), loopback/
(the stand-in Slack Web API), demo (the demo portfolio), importer (`bot.py import FILE`).
"""
