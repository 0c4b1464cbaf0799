"""The names Folio's modals carry, and the private_metadata of a view (read as untrusted)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

ADD_PRODUCT = "modal_add_product"
ADD_ITEM = "modal_add_item"
POST_UPDATE = "modal_post_update"
EDIT_PRODUCT = "modal_edit_product"
REJECT = "modal_reject_reason"
LOADING = "modal_loading"
NOTICE = "modal_notice"
CALLBACKS = (ADD_PRODUCT, ADD_ITEM, POST_UPDATE, EDIT_PRODUCT, REJECT, LOADING, NOTICE)
SUBMITTED = (ADD_PRODUCT, ADD_ITEM, POST_UPDATE, EDIT_PRODUCT, REJECT)

ABOUT_ACTION = "modal_about"  # Post update's product-or-item picker
PRODUCT_ACTION = "modal_product"  # /roadmap add's product picker
SUGGESTED = (ABOUT_ACTION, PRODUCT_ACTION)  # external_select pickers answered by block_suggestion

VIA = ("command", "home", "shortcut", "channel")
CHANNEL_RE = re.compile(r"^[CGD][A-Z0-9]{2,20}$")
TS_RE = re.compile(r"^[0-9]{1,12}\.[0-9]{1,7}$")
URL_MAX = 600


def action_id(field: str) -> str:
    """The action id of a form field's element: `modal_status`."""
    return f"modal_{field}"


@dataclass(frozen=True)
class Origin:
    """Where a form was opened from, so its confirmation lands where the command's would.

    via: command (a slash command: its response_url), channel (a button on a message: its
    response_url), shortcut (a logged message: ✅ and a private answer), home (App Home: a DM).
    key/field: the product (and proposal field) the form is about, for Edit and Reject.
    """

    via: str = "home"
    channel_id: str | None = None
    response_url: str | None = None
    message_ts: str | None = None
    key: str | None = None
    field: str | None = None


def encode(origin: Origin) -> str:
    """The origin as a view's private_metadata (compact JSON, well under 3,000 characters)."""
    data = {k: v for k, v in asdict(origin).items() if v is not None}
    return json.dumps(data, separators=(",", ":"))


def decode(text: Any) -> Origin:
    """A view's private_metadata read back; anything malformed is dropped, never trusted."""
    try:
        data = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}

    def word(name: str, pattern: re.Pattern[str] | None = None, limit: int = 64) -> str | None:
        value = data.get(name)
        if not isinstance(value, str) or not value or len(value) > limit:
            return None
        return value if pattern is None or pattern.match(value) else None

    via = word("via")
    url = word("response_url", limit=URL_MAX)
    return Origin(
        via=via if via in VIA else "home",
        channel_id=word("channel_id", CHANNEL_RE),
        response_url=url if url and url.startswith(("https://", "http://")) else None,
        message_ts=word("message_ts", TS_RE),
        key=word("key", limit=20),
        field=word("field", limit=40),
    )
