"""The fake Slack Web API answers slack_sdk's real clients the way Slack does."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from console.loopback import FakeChannel, FakeSlack, FakeUser, Post

TOKEN = "xoxb-dummy-token"
ALICE = FakeUser("UALICE", "alice", "Alice Archer", is_admin=True, tz="Europe/Berlin")
BOB = FakeUser("UBOB", "bob", "Bob Baker")


def _fake(**kwargs: object) -> FakeSlack:
    return FakeSlack(
        users=[ALICE, BOB],
        channels=[FakeChannel("CGENERAL", "general"), FakeChannel("CPRODUCT", "product")],
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with _fake() as running:
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.base_url)


def _error_of(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(excinfo.value.response["error"])


def test_auth_test_names_the_bot_and_team(client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == "UFOLIOBOT"
    assert answer["bot_id"] == "BFOLIOBOT"
    assert answer["team_id"] == "T0CONSOLE"
    assert answer["url"].startswith("https://console.slack.invalid/")


def test_post_message_is_recorded_as_call_post_and_history(
    fake: FakeSlack, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Ranking*"}}]
    answer = client.chat_postMessage(channel="CGENERAL", text="Ranking", blocks=blocks)
    assert answer["channel"] == "CGENERAL"
    assert answer["message"]["blocks"] == blocks
    [call] = fake.calls_to("chat.postMessage")
    assert call.token == TOKEN
    assert call.params["blocks"] == blocks
    [post] = fake.posts
    assert (post.kind, post.channel, post.ts, post.text) == (
        "message",
        "CGENERAL",
        answer["ts"],
        "Ranking",
    )
    assert fake.posts_by_channel == {"CGENERAL": 1}
    assert [m["ts"] for m in fake.messages("CGENERAL")] == [answer["ts"]]


def test_message_ts_are_unique_and_increasing_even_with_a_frozen_clock() -> None:
    with _fake(clock=lambda: 1700000000.0) as fake:
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        stamps = [client.chat_postMessage(channel="CGENERAL", text=str(n))["ts"] for n in range(3)]
    assert stamps == ["1700000000.000000", "1700000000.000001", "1700000000.000002"]


def test_form_encoded_requests_are_understood(fake: FakeSlack, client: WebClient) -> None:
    answer = client.api_call(
        "chat.postMessage", params={"channel": "CGENERAL", "text": "form", "blocks": "[]"}
    )
    assert answer["ok"] is True
    assert fake.calls_to("chat.postMessage")[0].params["blocks"] == []


def test_ephemeral_answers_message_ts_and_targets_one_user(
    fake: FakeSlack, client: WebClient
) -> None:
    answer = client.chat_postEphemeral(channel="CGENERAL", user="UALICE", text="Only you")
    [post] = fake.posts
    assert post.kind == "ephemeral"
    assert post.user == "UALICE"
    assert post.ts == answer["message_ts"]
    assert fake.messages("CGENERAL") == []


def test_second_identical_reaction_is_already_reacted(fake: FakeSlack, client: WebClient) -> None:
    ts = fake.add_message("CGENERAL", user="UALICE", text="CHK: at risk")
    client.reactions_add(channel="CGENERAL", timestamp=ts, name="white_check_mark")
    with pytest.raises(SlackApiError) as excinfo:
        client.reactions_add(channel="CGENERAL", timestamp=ts, name="white_check_mark")
    assert _error_of(excinfo) == "already_reacted"
    assert [p.kind for p in fake.posts] == ["reaction"]
    assert fake.messages("CGENERAL")[0]["reactions"][0]["name"] == "white_check_mark"


def test_strict_fake_refuses_reaction_to_unknown_message() -> None:
    with _fake(strict_messages=True) as fake:
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        with pytest.raises(SlackApiError) as excinfo:
            client.reactions_add(channel="CGENERAL", timestamp="1.000001", name="eyes")
    assert _error_of(excinfo) == "message_not_found"


def test_update_and_delete_change_the_stored_message(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="CGENERAL", text="draft")["ts"]
    updated = client.chat_update(channel="CGENERAL", ts=ts, text="final")
    assert updated["text"] == "final"
    assert fake.messages("CGENERAL")[0]["text"] == "final"
    client.chat_delete(channel="CGENERAL", ts=ts)
    assert fake.messages("CGENERAL") == []
    assert [p.kind for p in fake.posts] == ["message", "update", "delete"]
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel="CGENERAL", ts=ts, text="again")
    assert _error_of(excinfo) == "message_not_found"


def test_bot_cannot_edit_a_person_s_message(fake: FakeSlack, client: WebClient) -> None:
    ts = fake.add_message("CGENERAL", user="UALICE", text="mine")
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel="CGENERAL", ts=ts, text="edited by bot")
    assert _error_of(excinfo) == "cant_update_message"


def test_permalink_points_at_an_invalid_host(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="CGENERAL", text="x")["ts"]
    link = client.chat_getPermalink(channel="CGENERAL", message_ts=ts)["permalink"]
    assert link == f"https://console.slack.invalid/archives/CGENERAL/p{ts.replace('.', '')}"


def test_post_where_bot_is_not_a_member_is_not_in_channel(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.remove_bot_from("CPRODUCT")
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="CPRODUCT", text="hello")
    assert _error_of(excinfo) == "not_in_channel"
    assert fake.posts == []


def test_archived_and_unknown_channels_are_refused(fake: FakeSlack, client: WebClient) -> None:
    fake.archive("CPRODUCT")
    with pytest.raises(SlackApiError) as archived:
        client.chat_postMessage(channel="CPRODUCT", text="hello")
    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel="CNOPE", text="hello")
    assert (_error_of(archived), _error_of(unknown)) == ("is_archived", "channel_not_found")


def test_message_without_text_or_blocks_is_no_text(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("chat.postMessage", json={"channel": "CGENERAL"})
    assert _error_of(excinfo) == "no_text"


def test_unknown_method_and_wrong_token_are_refused() -> None:
    with _fake(token=TOKEN) as fake:
        good = WebClient(token=TOKEN, base_url=fake.base_url)
        bad = WebClient(token="xoxb-wrong", base_url=fake.base_url)
        with pytest.raises(SlackApiError) as unknown:
            good.api_call("chat.shout")
        with pytest.raises(SlackApiError) as wrong:
            bad.auth_test()
        assert len(fake.calls) == 2
    assert (_error_of(unknown), _error_of(wrong)) == ("unknown_method", "invalid_auth")


def test_users_info_has_admin_flags_time_zone_and_profile(client: WebClient) -> None:
    user = client.users_info(user="UALICE")["user"]
    assert user["is_admin"] is True
    assert user["is_owner"] is False
    assert user["tz"] == "Europe/Berlin"
    assert user["tz_offset"] in {3600, 7200}
    assert user["profile"]["display_name"] == "alice"
    assert user["profile"]["real_name"] == "Alice Archer"
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="UNOBODY")
    assert _error_of(excinfo) == "user_not_found"


def test_conversations_open_creates_a_dm_once(fake: FakeSlack, client: WebClient) -> None:
    first = client.conversations_open(users="UBOB")
    second = client.conversations_open(users=["UBOB"])
    assert first["channel"]["id"] == second["channel"]["id"] == fake.open_dm("UBOB")
    assert first["channel"]["id"].startswith("D")
    assert (first["already_open"], second["already_open"]) == (False, True)
    client.chat_postMessage(channel=first["channel"]["id"], text="reminder")
    assert fake.channel_names()[first["channel"]["id"]] == "@bob"


def test_posting_to_a_user_id_lands_in_their_dm(fake: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postMessage(channel="UALICE", text="hi")
    assert answer["channel"] == fake.open_dm("UALICE")


def test_a_reply_opens_a_thread_on_its_parent(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="CGENERAL", text="digest")["ts"]
    reply = client.chat_postMessage(channel="CGENERAL", text="detail", thread_ts=parent)["ts"]
    stored = {m["ts"]: m for m in fake.messages("CGENERAL")}
    assert (stored[parent]["thread_ts"], stored[parent]["reply_count"]) == (parent, 1)
    assert stored[reply]["thread_ts"] == parent
    assert fake.posts[-1].thread_ts == parent


@pytest.mark.parametrize(
    "method", ["conversations.history", "conversations.info", "users.list", "team.info"]
)
def test_methods_folio_does_not_call_are_unknown(client: WebClient, method: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call(method, params={"channel": "CGENERAL"})
    assert _error_of(excinfo) == "unknown_method"


def test_ephemeral_in_a_message_without_a_thread_is_accepted_but_shown_to_no_one() -> None:
    seen: list[Post] = []
    with _fake(on_post=seen.append) as fake:
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        ts = fake.add_message("CGENERAL", user="UALICE", text="CHK-9: done")
        answer = client.chat_postEphemeral(
            channel="CGENERAL", user="UALICE", thread_ts=ts, text="There is no CHK-9"
        )
        assert answer["ok"] is True and answer["message_ts"]
        assert fake.posts == [] and seen == []
        [hidden] = fake.not_shown
        assert (hidden.text, hidden.thread_ts, hidden.extra["not_shown"]) == (
            "There is no CHK-9",
            ts,
            "no_thread",
        )


def test_ephemeral_with_a_reply_s_ts_is_shown_to_no_one(fake: FakeSlack, client: WebClient) -> None:
    parent = fake.add_message("CGENERAL", user="UBOB", text="release notes")
    reply = fake.add_message("CGENERAL", user="UALICE", text="CHK-9: done", thread_ts=parent)
    client.chat_postEphemeral(channel="CGENERAL", user="UALICE", thread_ts=reply, text="No")
    assert fake.posts == []
    assert [p.extra["not_shown"] for p in fake.not_shown] == ["reply_ts"]


def test_ephemeral_in_a_thread_with_replies_is_shown_in_that_thread(
    fake: FakeSlack, client: WebClient
) -> None:
    parent = fake.add_message("CGENERAL", user="UBOB", text="release notes")
    fake.add_message("CGENERAL", user="UALICE", text="CHK-9: done", thread_ts=parent)
    client.chat_postEphemeral(channel="CGENERAL", user="UALICE", thread_ts=parent, text="No")
    [post] = fake.posts
    assert (post.kind, post.user, post.thread_ts, post.text) == (
        "ephemeral",
        "UALICE",
        parent,
        "No",
    )
    assert fake.not_shown == []


def test_reactions_remove_takes_the_bot_s_reaction_back(fake: FakeSlack, client: WebClient) -> None:
    ts = fake.add_message("CGENERAL", user="UALICE", text="CHK: at risk")
    client.reactions_add(channel="CGENERAL", timestamp=ts, name="white_check_mark")
    client.reactions_remove(channel="CGENERAL", timestamp=ts, name="white_check_mark")
    assert fake.messages("CGENERAL")[0]["reactions"] == []
    assert fake.posts[-1].extra == {"name": "white_check_mark", "removed": True}
    with pytest.raises(SlackApiError) as excinfo:
        client.reactions_remove(channel="CGENERAL", timestamp=ts, name="white_check_mark")
    assert _error_of(excinfo) == "no_reaction"


def test_modal_is_opened_pushed_and_updated_by_its_view_id(
    fake: FakeSlack, client: WebClient
) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Update CHK-3"}}
    opened = client.views_open(trigger_id="1.2", view=modal)
    view_id = opened["view"]["id"]
    assert opened["ok"] is True and view_id.startswith("V")
    pushed = client.views_push(trigger_id="1.3", view=modal)["view"]["id"]
    assert pushed != view_id
    updated = client.views_update(view_id=view_id, view={**modal, "blocks": []})
    assert updated["view"]["id"] == view_id
    assert [c.params["view"]["type"] for c in fake.calls_to("views.update")] == ["modal"]
    assert [p.extra["method"] for p in fake.posts] == ["views.open", "views.push", "views.update"]
    with pytest.raises(SlackApiError) as excinfo:
        client.views_update(view_id="V404", view=modal)
    assert _error_of(excinfo) == "not_found"


def test_rate_limit_is_honoured_by_slack_sdk_retry_handler(fake: FakeSlack) -> None:
    client = WebClient(
        token=TOKEN,
        base_url=fake.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    answer = client.chat_postMessage(channel="CGENERAL", text="after the wait")
    elapsed = time.monotonic() - started
    assert answer["ok"] is True
    assert elapsed >= 1.0
    assert len(fake.calls_to("chat.postMessage")) == 2
    assert fake.rejected_by_channel == {"CGENERAL": 1}
    assert fake.posts_by_channel == {"CGENERAL": 1}


def test_rate_limit_without_retry_handler_is_http_429_with_retry_after(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="CGENERAL", text="x")
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "7"
    assert _error_of(excinfo) == "ratelimited"


def test_server_error_then_success_with_server_error_retry_handler(fake: FakeSlack) -> None:
    handler = ServerErrorRetryHandler(
        max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    client = WebClient(token=TOKEN, base_url=fake.base_url, retry_handlers=[handler])
    fake.fail_next("chat.postMessage", status=500)
    fake.fail_next("chat.postMessage", status=503)
    answer = client.chat_postMessage(channel="CGENERAL", text="third time lucky")
    assert answer["ok"] is True
    assert len(fake.calls_to("chat.postMessage")) == 3
    assert len(fake.posts) == 1


def test_fail_next_with_http_200_answers_the_given_error(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail_next("reactions.add", status=200, error="not_in_channel", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.reactions_add(channel="CGENERAL", timestamp="1.000001", name="eyes")
        assert excinfo.value.response.status_code == 200
        assert _error_of(excinfo) == "not_in_channel"
    client.reactions_add(channel="CGENERAL", timestamp="1.000001", name="eyes")


def test_files_upload_v2_round_trip(tmp_path: Path) -> None:
    with _fake(files_dir=tmp_path) as fake:
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        answer = client.files_upload_v2(
            channel="CGENERAL",
            content=b"\x89PNG fake chart",
            filename="ranking.png",
            title="ROI ranking",
            initial_comment="This week's chart",
        )
        file_id = answer["file"]["id"]
        assert answer["file"]["title"] == "ROI ranking"
        assert fake.file_content(file_id) == b"\x89PNG fake chart"
        methods = [c.method for c in fake.calls]
        assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
        [post] = fake.posts
        assert (post.kind, post.channel, post.text) == ("file", "CGENERAL", "This week's chart")
        assert Path(post.extra["path"]).read_bytes() == b"\x89PNG fake chart"
        assert fake.messages("CGENERAL")[0]["files"][0]["id"] == file_id


def test_file_upload_to_a_channel_without_the_bot_is_not_in_channel(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.remove_bot_from("CPRODUCT")
    with pytest.raises(SlackApiError) as excinfo:
        client.files_upload_v2(channel="CPRODUCT", content="a,b", filename="x.csv", title="X")
    assert _error_of(excinfo) == "not_in_channel"


def test_response_url_answers_ephemeral_and_in_channel(fake: FakeSlack) -> None:
    url = fake.new_response_url(channel="CGENERAL", user="UALICE")
    assert url.startswith(fake.root_url + "/respond/")
    webhook = WebhookClient(url)
    assert webhook.send(text="Only you see this").status_code == 200
    assert webhook.send(text="Everyone sees this", response_type="in_channel").status_code == 200
    first, second = fake.posts
    assert (first.kind, first.user, first.extra["response_type"]) == (
        "response",
        "UALICE",
        "ephemeral",
    )
    assert (second.channel, second.extra["response_type"]) == ("CGENERAL", "in_channel")
    assert [m["text"] for m in fake.messages("CGENERAL")] == ["Everyone sees this"]
    assert [c.params["text"] for c in fake.calls_to("response_url")] == [
        "Only you see this",
        "Everyone sees this",
    ]


def test_response_url_can_replace_the_original_message(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="CGENERAL", text="Approve?")["ts"]
    url = fake.new_response_url(channel="CGENERAL", user="UALICE", message_ts=ts)
    WebhookClient(url).send(text="Approved", replace_original=True)
    assert [m["text"] for m in fake.messages("CGENERAL")] == ["Approved"]
    assert fake.posts[-1].extra["replace_original"] is True


def test_unknown_response_url_is_404(fake: FakeSlack) -> None:
    answer = WebhookClient(fake.root_url + "/respond/999").send(text="late")
    assert answer.status_code == 404


def test_on_post_sees_each_effect_before_the_client_gets_its_answer() -> None:
    seen: list[Post] = []
    with _fake(on_post=seen.append) as fake:
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        client.chat_postMessage(channel="CGENERAL", text="one")
        assert [p.text for p in seen] == ["one"]
        client.chat_postEphemeral(channel="CGENERAL", user="UBOB", text="two")
        assert [p.kind for p in seen] == ["message", "ephemeral"]


def test_failing_on_post_is_recorded_and_does_not_break_the_answer() -> None:
    def explode(post: Post) -> None:
        raise RuntimeError("printer on fire")

    with _fake(on_post=explode) as fake:
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        assert client.chat_postMessage(channel="CGENERAL", text="x")["ok"] is True
        assert "printer on fire" in fake.errors[0]


def test_wait_for_returns_when_another_thread_posts(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="CGENERAL", text="late"))
    timer.start()
    try:
        assert fake.wait_for(lambda f: len(f.posts) == 1, timeout=5)
    finally:
        timer.join()
    assert fake.wait_for(lambda f: len(f.posts) == 2, timeout=0.05) is False


def test_channel_rate_limit_answers_429_and_counts_rejections() -> None:
    with _fake(channel_rate_per_second=2) as fake:
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        client.chat_postMessage(channel="CGENERAL", text="1")
        client.chat_postMessage(channel="CGENERAL", text="2")
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="CGENERAL", text="3")
        client.chat_postMessage(channel="CPRODUCT", text="other channel")
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "1"
    assert fake.posts_by_channel == {"CGENERAL": 2, "CPRODUCT": 1}
    assert fake.rejected_by_channel == {"CGENERAL": 1}


def test_workspace_rate_limit_caps_posts_across_channels() -> None:
    with _fake(workspace_rate_per_second=2) as fake:
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        client.chat_postMessage(channel="CGENERAL", text="1")
        client.chat_postMessage(channel="CPRODUCT", text="2")
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="CPRODUCT", text="3")
    assert excinfo.value.response.status_code == 429
    assert fake.rejected_total == 1


def test_sixteen_threads_posting_concurrently_lose_nothing(fake: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=fake.base_url)

    def post(n: int) -> str:
        return str(client.chat_postMessage(channel="CGENERAL", text=f"m{n}")["ts"])

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        stamps = list(pool.map(post, range(200)))
    elapsed = time.monotonic() - started
    assert len(set(stamps)) == 200
    assert fake.posts_by_channel == {"CGENERAL": 200}
    assert sorted(p.text for p in fake.posts) == sorted(f"m{n}" for n in range(200))
    assert elapsed < 10
    assert fake.errors == []


def test_views_publish_records_the_home_view(fake: FakeSlack, client: WebClient) -> None:
    view = {"type": "home", "blocks": [{"type": "divider"}]}
    first = client.views_publish(user_id="UALICE", view=view)["view"]["id"]
    second = client.views_publish(user_id="UALICE", view=view)["view"]["id"]
    assert first == second
    assert [p.kind for p in fake.posts] == ["view", "view"]


def test_base_url_before_start_explains_itself() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = _fake().base_url
