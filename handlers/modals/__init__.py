"""Modals: forms for `/portfolio add`, `/roadmap add`, Post update, Edit product and Reject.

- ids:       callback ids, action ids and the private_metadata a view carries (untrusted)
- elements:  Block Kit input blocks and options, within Slack's limits
- forms:     the views themselves (pure: values in, view out)
- opening:   views.open with the trigger first, then load and views.update (3 s rule)
- values:    a submitted view's state as {field: text}
- submit:    view_submission: read, check with the grammar and the services, confirm
- listeners: register every modal payload with Bolt (submissions, closes, suggestions)

This package's __init__ imports nothing, so handlers.home can import opening without a cycle.
"""
