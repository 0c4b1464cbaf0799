"""What Folio knows and decides. Nothing in this package knows Slack exists."""
