"""`python bot.py console` with piped input, as a new user would type it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.conftest import PYTHON, ROOT, clean_env

SCRIPT = """\
/portfolio rank roi
/portfolio show CHK
/roadmap CHK
CHK-1: testing 60%
CHK-9: done
/roadmap CHK
/portfolio add NEW New Thing | owner @bob | investment 50k | return 90k | confidence 70%
/portfolio add bad
:user carol
/portfolio set CHK | investment 1m
:quit
"""


def run_console(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(ROOT / "bot.py")],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=120,
        check=False,
    )


def test_piped_console_answers_and_exits_zero(tmp_path: Path) -> None:
    result = run_console(tmp_path, SCRIPT)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "ROI ranking · Products" in out
    assert "1.* *REC* Recommendations" in out  # the demo portfolio's best ROI
    assert "CHK · Checkout" in out and "Risk-adjusted ROI" in out
    assert "Roadmap · CHK Checkout" in out
    assert "reacted :white_check_mark:" in out
    assert "One-page checkout — testing 60%" in out
    # A correction of a top-level message shows in the channel, not in a thread nobody sees.
    assert "\n(only visible to you)  Folio: ⚠️ There is no item CHK-9." in out
    assert "Added *NEW* New Thing" in out
    assert "BAD needs a name too" in out  # `add bad` (any case) gets a specific answer
    assert "Only its owner or a portfolio manager can change CHK" in out  # carol is refused …
    assert "Who can: @bob, @alice" in out  # … and told who can
    assert "Traceback" not in out + result.stderr
    assert (tmp_path / "folio.db").exists()


def test_second_start_keeps_data_and_does_not_reseed(tmp_path: Path) -> None:
    run_console(tmp_path, "/portfolio add KEEP Kept | investment 1k\n")
    result = run_console(tmp_path, "/portfolio list\n")
    assert result.returncode == 0
    assert "KEEP" in result.stdout
    assert result.stdout.count("*CHK* Checkout") == 1


def test_chat_update_in_a_second_session_is_recorded(tmp_path: Path) -> None:
    run_console(tmp_path, "CHK-1: testing 60%\n")
    result = run_console(tmp_path, "CHK-1: testing 70%\n/roadmap CHK\n")
    assert result.returncode == 0, result.stderr
    assert "reacted :white_check_mark:" in result.stdout
    assert "One-page checkout — testing 70%" in result.stdout


def test_a_bot_token_alone_is_explained_not_ignored(tmp_path: Path) -> None:
    result = subprocess.run(
        [PYTHON, str(ROOT / "bot.py")],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(SLACK_BOT_TOKEN="xoxb-only"),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr and "SLACK_SIGNING_SECRET" in result.stderr
    assert "xoxb-only" not in result.stderr + result.stdout


def test_the_simulated_clock_resumes_where_the_last_session_left_it(tmp_path: Path) -> None:
    moved = run_console(tmp_path, ":clock +3d\n").stdout
    shown = moved.split("(simulated time: ", 1)[1].split(")", 1)[0]
    result = run_console(tmp_path, ":clock\n")
    assert result.returncode == 0, result.stderr
    assert "Simulated time resumes at" in result.stdout
    assert f"(simulated time: {shown})" in result.stdout
