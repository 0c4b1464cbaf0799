"""Analytics subcommands: measures, objectives, weights, allocation, balance, charts, export."""
