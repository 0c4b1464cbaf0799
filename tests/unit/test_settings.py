"""Settings: read from the environment, never shown with their secrets."""

from __future__ import annotations


def test_settings_never_show_their_secrets() -> None:
    from bot import Settings

    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-secret-bot",
            "SLACK_SIGNING_SECRET": "secret-signing",
            "SLACK_APP_TOKEN": "xapp-secret-app",
            "SLACK_CLIENT_SECRET": "secret-client",
            "DATABASE_URL": "postgresql://folio:hunter2@db/folio",
        }
    )
    shown = repr(settings)
    for secret in (
        "xoxb-secret-bot",
        "secret-signing",
        "xapp-secret-app",
        "secret-client",
        "hunter2",
    ):
        assert secret not in shown
    from domain.database_url import shown_url

    assert "hunter2" not in shown_url(settings.database_url)


def test_mode_follows_the_environment() -> None:
    from bot import Settings

    assert Settings.from_env({}).mode() == "console"
    assert Settings.from_env({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "x"}).mode() == "http"
    assert Settings.from_env({"SLACK_APP_TOKEN": "xapp", "SLACK_BOT_TOKEN": "x"}).mode() == "socket"


def test_postgres_urls_use_psycopg_3_and_api_url_gets_a_slash() -> None:
    from bot import Settings

    settings = Settings.from_env(
        {"DATABASE_URL": "postgres://u@h/db", "SLACK_API_URL": "http://127.0.0.1:9/api"}
    )
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.api_url == "http://127.0.0.1:9/api/"
