"""`products.alignment_key`: each product's alignment bucket, kept by database triggers.

A product's alignment is the summed weight of the objectives it is linked to; its bucket is
that sum × 10^4, an exact integer (`objectives.weight` has 4 places). The score reads it as
it reads the other stored keys, instead of a GROUP BY over every link on every ranking.

Triggers keep it, so every writer does: ORM flushes, the CSV importer's Core pages, a
console's SQL, and the cascades. Each link adds its objective's bucket to its product, each
unlink takes it away, a weight change moves every linked product by the difference. Every
link's bucket is rounded on its own (`_bucket`), so the sums stay integer arithmetic even
where SQLite holds the weights as floats.

Deleting an objective: both databases fire the links' DELETE trigger for the FK cascade,
but only after the objective row is gone, so its weight can no longer be read (probed on
SQLite 3.40 and PostgreSQL 15; `tests/integration/test_alignment_keys.py` keeps both
facts tested). So a BEFORE DELETE trigger on `objectives` deletes the objective's links
first, while its weight is still there: their trigger takes it away once, and the cascade
finds nothing left. Deleting a product cascades to its links too; their trigger then
updates a product that no longer exists, which is nothing.

A product is inserted with no links (the foreign key), so its key starts at 0: an INSERT
giving another key is corrected to its links' sum. A direct UPDATE of the column is not
guarded; the score's page checks its rows against their links' live sum (`_stale` in
domain.queries.scored) and ranks in full when one disagrees.

SQLite has row triggers only. PostgreSQL's link triggers are statement triggers over
transition tables, each writing a product once per statement (the importer links in pages
of 1,000; a row trigger would update a product once per link, and PostgreSQL keeps every
version of a row updated in one transaction). Objectives change one at a time, so their
weight trigger is a row trigger, fired only when the weight's bucket moves. PostgreSQL runs
writers side by side at READ COMMITTED, so the link triggers share-lock the objectives they
read (`_share_objectives`): a link and a weight change never miss each other. (SQLite
serialises writers.)

Weights beyond ±9.2 × 10^14 (the parser allows 1,000 at most) would overflow the bucket's
BIGINT on PostgreSQL: the write fails, as the live GROUP BY's cast failed before.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

SCALE = 10_000  # 10^PLACES["alignment"]
_KIND = {"sqlite": "INTEGER", "postgresql": "BIGINT"}


def _bucket(row: str, kind: str) -> str:
    """An objective row's weight (OLD, NEW or a table's alias) as its integer bucket."""
    return f"CAST(ROUND({row}.weight * {SCALE}) AS {kind})"


def _live(product: str, kind: str) -> str:
    """The summed bucket of a product's links as they are (0 without links)."""
    return (
        f"COALESCE((SELECT SUM({_bucket('o', kind)}) FROM product_objectives AS l "  # noqa: S608
        f"JOIN objectives AS o ON o.id = l.objective_id WHERE l.product_id = {product}), 0)"
    )


def fill_alignment_keys(connection: Connection) -> None:
    """Every linked product's key from its links, in one UPDATE (a migration's backfill).

    Products without links keep the column's default, 0: a PostgreSQL UPDATE rewrites each
    row it touches, so the rows with nothing to change are left alone.
    """
    kind = _KIND.get(connection.dialect.name, "BIGINT")
    connection.exec_driver_sql(
        f"UPDATE products SET alignment_key = {_live('products.id', kind)} "  # noqa: S608
        "WHERE id IN (SELECT product_id FROM product_objectives)"
    )


def _sqlite_triggers() -> list[str]:
    kind = _KIND["sqlite"]

    def weight_of(link: str) -> str:
        return (
            f"COALESCE((SELECT {_bucket('o', kind)} FROM objectives AS o "  # noqa: S608
            f"WHERE o.id = {link}.objective_id), 0)"
        )

    def move(link: str, sign: str) -> str:
        return (
            f"UPDATE products SET alignment_key = alignment_key {sign} {weight_of(link)} "  # noqa: S608
            f"WHERE id = {link}.product_id;"
        )

    return [
        "CREATE TRIGGER IF NOT EXISTS product_objectives_alignment_insert AFTER INSERT ON "
        f"product_objectives BEGIN {move('NEW', '+')} END",
        "CREATE TRIGGER IF NOT EXISTS product_objectives_alignment_delete AFTER DELETE ON "
        f"product_objectives BEGIN {move('OLD', '-')} END",
        "CREATE TRIGGER IF NOT EXISTS product_objectives_alignment_update AFTER UPDATE OF "
        f"product_id, objective_id ON product_objectives BEGIN {move('OLD', '-')} "
        f"{move('NEW', '+')} END",
        "CREATE TRIGGER IF NOT EXISTS objectives_alignment_update AFTER UPDATE OF weight ON "  # noqa: S608
        f"objectives WHEN {_bucket('OLD', kind)} <> {_bucket('NEW', kind)} BEGIN "
        "UPDATE products SET alignment_key = alignment_key + "
        f"({_bucket('NEW', kind)} - {_bucket('OLD', kind)}) WHERE id IN "
        "(SELECT product_id FROM product_objectives WHERE objective_id = NEW.id); END",
        # The links go first, while the weight they take away is still there (see above).
        "CREATE TRIGGER IF NOT EXISTS objectives_alignment_delete BEFORE DELETE ON objectives "
        "BEGIN DELETE FROM product_objectives WHERE objective_id = OLD.id; END",
        "CREATE TRIGGER IF NOT EXISTS products_alignment_insert AFTER INSERT ON products "  # noqa: S608
        "WHEN NEW.alignment_key <> 0 BEGIN UPDATE products SET alignment_key = "
        f"{_live('NEW.id', kind)} WHERE id = NEW.id; END",
    ]


# PostgreSQL's link triggers' transition tables: the links a statement removed and added.
_BEFORE, _AFTER = "old_links", "new_links"


def _apply(tables: tuple[tuple[str, str], ...]) -> str:
    """One UPDATE moving each product by its links' buckets in these transition tables,
    added ("+") or taken away ("-"); a product whose key would end where it began is not
    written (a statement that moved a link's team_id, say)."""
    kind = _KIND["postgresql"]
    rows = " UNION ALL ".join(
        f"SELECT l.product_id, {'-' if sign == '-' else ''}{_bucket('o', kind)} AS bucket "  # noqa: S608
        f"FROM {table} AS l JOIN objectives AS o ON o.id = l.objective_id"
        for table, sign in tables
    )
    return (
        "UPDATE products AS p SET alignment_key = p.alignment_key + d.delta FROM "  # noqa: S608
        f"(SELECT product_id, SUM(bucket) AS delta FROM ({rows}) AS moved "
        "GROUP BY product_id HAVING SUM(bucket) <> 0) AS d WHERE p.id = d.product_id;"
    )


def _share_objectives(tables: tuple[str, ...]) -> str:
    """Share-lock the objectives a statement's links name, before their weights are read.

    A weight change (FOR NO KEY UPDATE) then waits for this transaction, or this one for it,
    and whichever goes second reads the other's work in its next statement's snapshot. With
    no lock a link written at READ COMMITTED would add the old weight while the concurrent
    weight change, not seeing the link, moved every other linked product but this one.
    """
    named = " UNION ".join(f"SELECT objective_id FROM {table}" for table in tables)  # noqa: S608
    return f"PERFORM 1 FROM objectives WHERE id IN ({named}) ORDER BY id FOR SHARE;"


def _function(name: str, body: str, returns: str = "NULL") -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body} RETURN {returns}; END $$"
    )


_PG_TRIGGERS = (
    ("product_objectives_alignment_insert", "product_objectives"),
    ("product_objectives_alignment_delete", "product_objectives"),
    ("product_objectives_alignment_update", "product_objectives"),
    ("objectives_alignment_update", "objectives"),
    ("objectives_alignment_delete", "objectives"),
    ("products_alignment_insert", "products"),
)
_PG_FUNCTIONS = (
    "folio_alignment_linked",
    "folio_alignment_unlinked",
    "folio_alignment_relinked",
    "folio_alignment_reweighted",
    "folio_alignment_objective_removed",
    "folio_alignment_product_added",
)


def _postgresql_triggers() -> list[str]:
    kind = _KIND["postgresql"]
    functions = [
        _function(
            "folio_alignment_linked", _share_objectives((_AFTER,)) + _apply(((_AFTER, "+"),))
        ),
        _function(
            "folio_alignment_unlinked", _share_objectives((_BEFORE,)) + _apply(((_BEFORE, "-"),))
        ),
        _function(
            "folio_alignment_relinked",
            _share_objectives((_AFTER, _BEFORE)) + _apply(((_AFTER, "+"), (_BEFORE, "-"))),
        ),
        _function(
            "folio_alignment_reweighted",
            "UPDATE products SET alignment_key = alignment_key + "  # noqa: S608
            f"({_bucket('NEW', kind)} - {_bucket('OLD', kind)}) WHERE id IN "
            "(SELECT product_id FROM product_objectives WHERE objective_id = NEW.id);",
        ),
        _function(
            "folio_alignment_objective_removed",
            "DELETE FROM product_objectives WHERE objective_id = OLD.id;",
            returns="OLD",
        ),
        _function(
            "folio_alignment_product_added",
            f"NEW.alignment_key := {_live('NEW.id', kind)};",
            returns="NEW",
        ),
    ]
    links = "product_objectives"
    return [
        *functions,
        *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in _PG_TRIGGERS),
        f"CREATE TRIGGER product_objectives_alignment_insert AFTER INSERT ON {links} "
        f"REFERENCING NEW TABLE AS {_AFTER} FOR EACH STATEMENT "
        "EXECUTE FUNCTION folio_alignment_linked()",
        f"CREATE TRIGGER product_objectives_alignment_delete AFTER DELETE ON {links} "
        f"REFERENCING OLD TABLE AS {_BEFORE} FOR EACH STATEMENT "
        "EXECUTE FUNCTION folio_alignment_unlinked()",
        f"CREATE TRIGGER product_objectives_alignment_update AFTER UPDATE ON {links} "
        f"REFERENCING OLD TABLE AS {_BEFORE} NEW TABLE AS {_AFTER} FOR EACH STATEMENT "
        "EXECUTE FUNCTION folio_alignment_relinked()",
        "CREATE TRIGGER objectives_alignment_update AFTER UPDATE OF weight ON objectives "
        f"FOR EACH ROW WHEN ({_bucket('OLD', kind)} <> {_bucket('NEW', kind)}) "
        "EXECUTE FUNCTION folio_alignment_reweighted()",
        "CREATE TRIGGER objectives_alignment_delete BEFORE DELETE ON objectives "
        "FOR EACH ROW EXECUTE FUNCTION folio_alignment_objective_removed()",
        "CREATE TRIGGER products_alignment_insert BEFORE INSERT ON products "
        "FOR EACH ROW WHEN (NEW.alignment_key <> 0) "
        "EXECUTE FUNCTION folio_alignment_product_added()",
    ]


def create_alignment_triggers(connection: Connection) -> None:
    """Create (or replace) the triggers that keep `products.alignment_key` true.

    A migration that rebuilds `products`, `objectives` or `product_objectives` in SQLite
    batch mode (which drops their triggers) must call this again afterwards.
    """
    dialect = connection.dialect.name
    statements = {"sqlite": _sqlite_triggers, "postgresql": _postgresql_triggers}.get(
        dialect, list
    )()
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_alignment_triggers(connection: Connection) -> None:
    """Drop the alignment triggers and their functions (migration 0012's downgrade)."""
    postgresql = connection.dialect.name == "postgresql"
    for name, table in _PG_TRIGGERS:
        on = f" ON {table}" if postgresql else ""
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on}")
    if postgresql:
        for function in _PG_FUNCTIONS:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")
