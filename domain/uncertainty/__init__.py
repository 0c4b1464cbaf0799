"""Deciding under uncertainty: products as success/failure bets, and what follows from that.

- outcomes:     a product as a bet; mean and variance of a selection
- plans:        an allocation of (changed) bets with its downside, shares and what binds
- frontier:     the exact risk–return frontier (the allocation's MILP with a variance row)
- sweep:        the frontier's levels on one reused HiGHS model, each started from the last
- lattice:      the exact distribution of a sum of two-point outcomes
- distribution: the portfolio's value distribution: P10/P50/P90, a target's odds, drivers
- delivery:     roadmap items' completion forecasts from their own progress updates
- runs:         the resampled progress runs behind those forecasts, vectorised over items
- calibration:  Brier scores and biases of the confidences, against recorded outcomes

Pure: values in, values and typed reasons out.
"""
