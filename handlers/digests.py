"""Digest subcommands and scheduled jobs: subscriptions, postings, reminders."""
