"""`python bot.py console`: App Home, forms filled in at the prompt, the message shortcut."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console import run_console

POST_UPDATE = """\
:user bob
:home
:home 1
CHK-2
testing
150%


waiting on the vendor



80%




:home
:quit
"""

ADD_PRODUCT = """\
/portfolio add
1x
Thing
@dan
50k
90k





THG









/portfolio show THG
:quit
"""

SHORTCUT = """\
:channel roadmap
:user carol
The payments vendor signed off the sandbox
:user bob
:shortcut
:shortcut 1
CHK-3



none


:quit
"""


def test_home_is_shown_and_an_update_is_posted_through_its_form(tmp_path: Path) -> None:
    result = run_console(tmp_path, POST_UPDATE)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[App Home: @bob]" in out and "*Your products*" in out
    assert "[1 Post update] [2 Edit product]" in out
    assert "┌ Post an update" in out
    assert "Product or roadmap item* [CHK · Checkout (the product)]: CHK-2" in out
    assert "⚠ Progress (items): Progress must be between 0 % and 100 %; you wrote `150%`" in out
    assert "Fix the fields marked ⚠" in out
    assert "Updated *CHK-2*: status in progress → *testing*; progress 45% → *80%*." in out
    assert "└ (submitted)" in out
    assert "*CHK-2* Apple Pay and Google Pay — testing 80%" in out.split("└ (submitted)")[1]
    assert "Traceback" not in out + result.stderr


def test_a_bare_add_opens_a_form_whose_errors_sit_next_to_their_field(tmp_path: Path) -> None:
    result = run_console(tmp_path, ADD_PRODUCT)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "┌ Add a product" in out and "Key*: 1x" in out
    assert "⚠ Key: A key starts with a letter; `1x` starts with a digit." in out
    assert "Added *THG* Thing to Products." in out  # what `/portfolio add THG Thing …` says
    assert "THG · Thing" in out and "owner @dan" in out
    assert "Traceback" not in out + result.stderr


def test_the_shortcut_logs_a_message_as_an_update(tmp_path: Path) -> None:
    result = run_console(tmp_path, SHORTCUT)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "1) @carol: The payments vendor signed off the sandbox" in out
    assert "Note [The payments vendor signed off the sandbox]:" in out
    assert "reacted :white_check_mark:" in out
    assert "Updated *CHK-3*: blocker the payments vendor's sandbox → " in out
    assert "Traceback" not in out + result.stderr
