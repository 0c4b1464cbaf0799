"""The console numbers the buttons Folio posts, and `:press N` clicks them through Bolt."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console import run_console

SCRIPT = """\
/portfolio show CHK
:press 1
/portfolio rank roi
:press 3 PAY
:press 3
:press 99
:user bob
/portfolio set CHK | confidence 90% | why the pilot converted
:press 8
:user alice
:press 8
:press 8
@Folio CHK
:quit
"""


def test_buttons_are_numbered_and_pressed_as_each_person(tmp_path: Path) -> None:
    result = run_console(tmp_path, SCRIPT)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[1] Open roadmap [2] Post update" in out  # the card's buttons
    assert "Roadmap · CHK Checkout" in out  # :press 1
    assert "[3] Show product… ▾ (REC, CHK, API" in out  # the ranking's menus
    assert "PAY · Payments Platform" in out  # :press 3 PAY
    assert "Pick one: `:press 3 NAME`" in out  # a menu needs a choice
    assert "No button 99" in out
    assert "[8] Accept [9] Reject" in out  # the announcement in alice's DM
    assert "Only portfolio managers can accept proposals" in out  # bob may not
    assert "accepted by @alice" in out and "Folio (edited):" in out  # alice did, in place
    assert "were decided already" in out  # the second press changes nothing
    assert "↳ #general  Folio:\n    CHK · Checkout" in out  # @Folio CHK, in its thread
    assert "Traceback" not in out + result.stderr
