"""Slash-command text to typed requests, one module per concept (pure).

Each module reads the `CommandText` that `domain.grammar.split_command` made of a
subcommand and returns a frozen request, or raises `InvalidInput` saying what to write:

- portfolio:  setup, add, set, rank, grant (and a command that names one product)
- roadmap:    roadmap add and update, ranking a roadmap by RICE or WSJF
- objectives: objective add, set and list
- planning:   weights, allocate, balance, chart
- digests:    digest subscriptions and owners' reminders
- schedule:   the schedule words after `digest` (`weekly mon 09:00 Europe/Berlin`)
- common:     field limits and the small readers the others share

Chat updates (`CHK-3: testing, 80%`) are read by `domain.chat_grammar`; the `|` field
grammar and its small words (keys, item refs, mentions) are `domain.grammar`.
"""
