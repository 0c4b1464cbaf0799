"""Updates typed in chat: `CHK-3: testing, 80%`, `CHK: at risk`, metrics and feedback (pure).

`parse_chat_update` reads a whole message; `match_prefix` only says whether a message
starts like one. The parts, by concept:

- updates:  the typed updates a message becomes
- prefix:   the `KEY-N:` / `KEY:` / `KEY metrics:` / `KEY feedback:` prefix, and dispatch
- items:    status, progress, blockers and notes of a roadmap item
- products: health, stage and notes of a product
- metrics:  named metric values
- text:     splitting a message into parts and joining notes back together
"""

from domain.chat_grammar.prefix import match_prefix, parse_chat_update
from domain.chat_grammar.updates import (
    ChatUpdate,
    FeedbackUpdate,
    ItemUpdate,
    MetricsUpdate,
    ProductUpdate,
)

__all__ = [
    "ChatUpdate",
    "FeedbackUpdate",
    "ItemUpdate",
    "MetricsUpdate",
    "ProductUpdate",
    "match_prefix",
    "parse_chat_update",
]
