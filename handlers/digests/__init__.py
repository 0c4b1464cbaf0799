"""Digests in Slack: the subcommands, the messages, sending what is due, and the scheduler.

- commands: `/portfolio digest …` and `/roadmap remind …` (add_subcommands)
- messages: answers, schedules in words, previews, pause and reminder DMs
- ranking, status: the two digests as Block Kit messages within Slack's limits
- sending: claimed postings through handlers.delivery, pause DMs, charts, reminders
- pipeline: a tick's held claims, and its sender (one delivery's tail overlapping the next)
- scheduler: the APScheduler job that asks the database what is due
"""
