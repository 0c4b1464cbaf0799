"""The console as a new user meets digests: subscribe #general, move the clock a week, read two."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.conftest import PYTHON, ROOT, clean_env

SCRIPT = """\
/portfolio digest weekly mon 09:00 Europe/Berlin both
CHK: at risk, the payments vendor slipped a week
/portfolio set PAY | confidence 90%
:clock
:clock +7d
:quit
"""


def test_a_week_on_the_console_clock_posts_the_ranking_and_status_digests_once(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [PYTHON, str(ROOT / "bot.py")],
        input=SCRIPT,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in out + result.stderr
    assert "now gets the *ranking and status* digests of *Products*" in out
    assert out.count("Weekly risk-adjusted ROI ranking · Products") == 1
    assert out.count("Weekly status digest · Products") == 1
    assert "*PAY* Payments Platform" in out and "confidence 60% → 90%" in out  # a mover, why
    assert "CHK* Checkout: on track → *at risk*" in out  # the health change
    assert "The *Products* status digest posts tomorrow" in out  # owners' reminders
    assert out.count("(simulated time:") == 2
