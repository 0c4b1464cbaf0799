"""A loopback Slack Web API on 127.0.0.1: answers like Slack, records every call, fails on demand.

Used by the console (a terminal that plays Slack) and by the tests. Point slack_sdk at it with
``WebClient(base_url=fake.base_url)``. Slash-command payloads get a ``response_url`` from
``fake.new_response_url()``; ``files_upload_v2`` is served end to end (the upload URL points back
here). Every request is recorded in ``calls``; every visible effect becomes a ``Post`` and is
handed to ``on_post`` on the server thread before the HTTP answer is sent. An ephemeral Slack
would show to no one (its thread_ts names a message without a thread) goes to ``not_shown``.

It serves only the Web API methods Folio calls, plus the ones its Slack-native surfaces will:
auth.test, users.info, conversations.open, chat.postMessage, chat.postEphemeral, chat.update,
chat.delete, chat.getPermalink, reactions.add, reactions.remove, files.getUploadURLExternal,
files.completeUploadExternal, views.open, views.push, views.update, views.publish,
oauth.v2.access (an install, and token rotation's refresh) and apps.connections.open (the
`socket_url` a Socket Mode stand-in listens on). ``slow_down`` makes a method hang (answer
late). Any other method answers ``unknown_method`` (and is recorded).

``on_post`` runs while the fake's lock is held: it may read the fake (``posts``, ``user_names()``)
but must not call the fake over HTTP.
"""

from console.loopback.fake import FakeSlack
from console.loopback.records import Call, FakeChannel, FakeUser, Post

__all__ = ["Call", "FakeChannel", "FakeSlack", "FakeUser", "Post"]
