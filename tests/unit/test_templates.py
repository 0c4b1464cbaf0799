"""Every template file compiles, used or not: a syntax error fails here, not in a worker."""

from __future__ import annotations

from handlers.render import TEMPLATES, environment


def test_every_template_file_compiles() -> None:
    env = environment()
    files = sorted(
        path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*") if path.is_file()
    )
    assert sorted(env.list_templates()) == files
    for name in files:
        env.get_template(name)
