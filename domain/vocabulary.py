"""Folio's words, defined once: statuses, stages, healths, measures, digest kinds, weekdays.

Every other module imports these; none re-declares them. Synonyms people type (in chat or
after a `|`) map onto the canonical words here.
"""

from __future__ import annotations

from typing import Final

# -- roadmap item statuses ----------------------------------------------------------------

STATUSES: Final = ("idea", "planned", "in progress", "testing", "done", "dropped")
OPEN_STATUSES: Final = ("idea", "planned", "in progress", "testing")
CLOSED_STATUSES: Final = ("done", "dropped")
# How items sort on a roadmap or card: work under way first, finished work last.
STATUS_ORDER: Final = {
    "in progress": 0,
    "testing": 1,
    "planned": 2,
    "idea": 3,
    "done": 4,
    "dropped": 5,
}
STATUS_SYNONYMS: Final[dict[str, str]] = {
    "idea": "idea",
    "planned": "planned",
    "scheduled": "planned",
    "in progress": "in progress",
    "inprogress": "in progress",
    "work in progress": "in progress",
    "wip": "in progress",
    "started": "in progress",
    "ongoing": "in progress",
    "underway": "in progress",
    "under way": "in progress",
    "testing": "testing",
    "in testing": "testing",
    "qa": "testing",
    "in qa": "testing",
    "done": "done",
    "shipped": "done",
    "complete": "done",
    "completed": "done",
    "finished": "done",
    "released": "done",
    "delivered": "done",
    "dropped": "dropped",
    "cancelled": "dropped",
    "canceled": "dropped",
    "abandoned": "dropped",
}

# -- product lifecycle stages and health ----------------------------------------------------

STAGES: Final = (
    "ideation",
    "research",
    "development",
    "testing",
    "launch",
    "growth",
    "maturity",
    "decline",
    "retired",
)
FIRST_STAGE: Final = "ideation"

HEALTHS: Final = ("on track", "at risk", "off track")
GOOD_HEALTH: Final = "on track"
# Worse health sorts later.
HEALTH_RANK: Final = {"on track": 0, "at risk": 1, "off track": 2}
HEALTH_SYNONYMS: Final[dict[str, str]] = {
    "on track": "on track",
    "ontrack": "on track",
    "at risk": "at risk",
    "atrisk": "at risk",
    "off track": "off track",
    "offtrack": "off track",
}
HEALTH_COLOURS: Final[dict[str, str]] = {
    "green": "on track",
    "amber": "at risk",
    "yellow": "at risk",
    "red": "off track",
}

# -- measures ---------------------------------------------------------------------------------

MEASURES: Final = ("roi", "risk", "npv", "score")
MEASURE_LABELS: Final = {
    "roi": "ROI",
    "risk": "risk-adjusted ROI",
    "npv": "NPV",
    "score": "weighted score",
}
# The parts a weighted score is made of, with their labels.
WEIGHT_PARTS: Final = ("roi", "risk", "npv", "alignment")
WEIGHT_LABELS: Final = {
    "roi": "ROI",
    "risk": "risk-adjusted ROI",
    "npv": "NPV",
    "alignment": "alignment",
}

# -- product metrics --------------------------------------------------------------------------

MONEY_METRICS: Final = frozenset({"revenue", "arr", "mrr", "cost", "costs", "profit"})
# How metrics sort on a card: the three everyone records first, then by name.
METRIC_ORDER: Final = {"revenue": 0, "csat": 1, "reach": 2}
METRIC_SYNONYMS: Final = {
    "customer_satisfaction": "csat",
    "satisfaction": "csat",
    "sales": "revenue",
}

# -- digests ----------------------------------------------------------------------------------

DIGEST_KINDS: Final = ("ranking", "status")
DIGEST_KIND_CHOICES: Final = ("ranking", "status", "both")
CADENCES: Final = ("weekly", "daily")
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

# -- roles ------------------------------------------------------------------------------------

PORTFOLIO_MANAGER: Final = "portfolio-manager"
ROLES: Final = (PORTFOLIO_MANAGER, "none")
# A product's owner is its product manager: the word is read (to explain that no grant is
# needed) but never stored.
PRODUCT_MANAGER: Final = "product-manager"
ROLE_WORDS: Final = (PORTFOLIO_MANAGER, PRODUCT_MANAGER, "none")

# -- words people type for the weighted score's parts ------------------------------------------

WEIGHT_SYNONYMS: Final[dict[str, str]] = {
    "roi": "roi",
    "risk": "risk",
    "risk-adjusted": "risk",
    "npv": "npv",
    "alignment": "alignment",
    "align": "alignment",
    "objectives": "alignment",
}


def digest_kinds(choice: str) -> tuple[str, ...]:
    """The digests a subscription's choice posts: `both` is ranking then status."""
    return DIGEST_KINDS if choice == "both" else (choice,)


# -- the early stages a healthy portfolio keeps something in (its pipeline) -------------------

PIPELINE_STAGES: Final = ("ideation", "research")

# -- the statuses whose progress (0–100 %) is shown next to an item ---------------------------

PROGRESS_STATUSES: Final = ("planned", "in progress", "testing")

# -- roles, as people type them and as answers spell them --------------------------------------

# The one way answers name the role (the stored value is PORTFOLIO_MANAGER).
ROLE_LABELS: Final = {PORTFOLIO_MANAGER: "portfolio manager", "none": "no role"}
# What people type after `/portfolio grant @someone` (hyphens and spaces alike).
ROLE_SYNONYMS: Final[dict[str, str]] = {
    "portfolio manager": PORTFOLIO_MANAGER,
    "portfolio managers": PORTFOLIO_MANAGER,
    "manager": PORTFOLIO_MANAGER,
    "none": "none",
    "no role": "none",
    "product manager": PRODUCT_MANAGER,
    "owner": PRODUCT_MANAGER,
    "product owner": PRODUCT_MANAGER,
}
# Words that name a Slack-side role Folio does not grant (Slack's admin settings decide them).
SLACK_ROLE_WORDS: Final = ("admin", "admins", "workspace admin", "administrator")

# -- the inputs of every measure that ranks or funds a product (portfolio decisions) -----------

# A product owner who sets one of these makes a proposal; a portfolio manager decides.
FUNDING_INPUTS: Final = (
    "investment",
    "expected return",
    "confidence",
    "cash flows",
    "objectives",
    "category",
)
# The `/portfolio set` field that writes each input.
FUNDING_INPUT_FIELDS: Final = {
    "investment": "investment",
    "expected return": "return",
    "confidence": "confidence",
    "cash flows": "cashflows",
    "objectives": "objective",
    "category": "category",
}
# The score weights are a funding input of the whole portfolio: set by managers, never proposed.
WEIGHTS_INPUT: Final = "score weights"

# -- words that clear an optional field (`| blocker none`, `CHK-3: blocker: -`) --------------

CLEAR_WORDS: Final = ("none", "-", "–", "—", "no", "nothing", "n/a", "clear", "cleared")

# -- a roadmap item's fields as answers name them (never `time_criticality`) ------------------

ITEM_FIELD_LABELS: Final = {
    "value": "business value",
    "time_criticality": "time criticality",
    "risk_reduction": "risk reduction",
    "job_size": "job size",
}
