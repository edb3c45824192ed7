"""Database triggers that keep the area tree sound, whatever writes to it (admin, importer, raw SQL).

Rules, checked on every insert and update of an area:
- its level belongs to the area's own system;
- it has a parent exactly when its level is below the top one, and the parent is an area of the level exactly
  one rank above, in the same system (ranks strictly rise up the tree, so no cycle can form);
- an area with children keeps its level and system (move or remove the children first).
And on levels: a level with areas keeps its rank and system, and no level may be added above the top level
of a system that already has areas (those areas would be left without a parent).

PostgreSQL raises SQLSTATE 23514 (check_violation) and SQLite RAISE(ABORT), so Django reports both as
IntegrityError. SQLite drops a table's triggers when a later migration rebuilds the table, so
`install(connection)` is idempotent and also runs after every migrate (see apps.py).
"""

from typing import Any

POSTGRESQL_INSTALL = [
    """
CREATE OR REPLACE FUNCTION governance_area_check() RETURNS trigger AS $$
DECLARE
    level_system bigint;
    level_rank integer;
    top_rank integer;
    parent_system bigint;
    parent_rank integer;
BEGIN
    SELECT system_id, rank INTO level_system, level_rank FROM governance_level WHERE id = NEW.level_id;
    IF level_system IS DISTINCT FROM NEW.system_id THEN
        RAISE EXCEPTION 'governance_area: the level of area "%" belongs to another system', NEW.name
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.parent_id IS NULL THEN
        SELECT max(rank) INTO top_rank FROM governance_level WHERE system_id = NEW.system_id;
        IF level_rank IS DISTINCT FROM top_rank THEN
            RAISE EXCEPTION 'governance_area: area "%" is below the top level and needs a parent', NEW.name
                USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        SELECT a.system_id, l.rank INTO parent_system, parent_rank
            FROM governance_area a JOIN governance_level l ON l.id = a.level_id WHERE a.id = NEW.parent_id;
        IF parent_system IS DISTINCT FROM NEW.system_id OR parent_rank IS DISTINCT FROM level_rank + 1 THEN
            RAISE EXCEPTION 'governance_area: the parent of area "%" must be on the level just above, in the same system', NEW.name
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.level_id <> OLD.level_id OR NEW.system_id <> OLD.system_id)
        AND EXISTS (SELECT 1 FROM governance_area WHERE parent_id = NEW.id) THEN
        RAISE EXCEPTION 'governance_area: area "%" has children, so its level and system cannot change', NEW.name
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "DROP TRIGGER IF EXISTS governance_area_check ON governance_area;",
    """CREATE TRIGGER governance_area_check BEFORE INSERT OR UPDATE ON governance_area
        FOR EACH ROW EXECUTE FUNCTION governance_area_check();""",
    """
CREATE OR REPLACE FUNCTION governance_level_check() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.rank <> OLD.rank OR NEW.system_id <> OLD.system_id)
        AND EXISTS (SELECT 1 FROM governance_area WHERE level_id = OLD.id) THEN
        RAISE EXCEPTION 'governance_level: level "%" has areas, so its rank and system cannot change', OLD.name
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'INSERT'
        AND NEW.rank > (SELECT coalesce(max(rank), 0) FROM governance_level WHERE system_id = NEW.system_id)
        AND EXISTS (SELECT 1 FROM governance_area WHERE system_id = NEW.system_id) THEN
        RAISE EXCEPTION 'governance_level: level "%" would sit above areas that have no parent', NEW.name
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    "DROP TRIGGER IF EXISTS governance_level_check ON governance_level;",
    """CREATE TRIGGER governance_level_check BEFORE INSERT OR UPDATE ON governance_level
        FOR EACH ROW EXECUTE FUNCTION governance_level_check();""",
]

POSTGRESQL_REMOVE = [
    "DROP TRIGGER IF EXISTS governance_area_check ON governance_area;",
    "DROP FUNCTION IF EXISTS governance_area_check();",
    "DROP TRIGGER IF EXISTS governance_level_check ON governance_level;",
    "DROP FUNCTION IF EXISTS governance_level_check();",
]

_SQLITE_AREA_BODY = """
BEGIN
    SELECT RAISE(ABORT, 'governance_area: the level belongs to another system')
        WHERE (SELECT system_id FROM governance_level WHERE id = NEW.level_id) IS NOT NEW.system_id;
    SELECT RAISE(ABORT, 'governance_area: an area below the top level needs a parent')
        WHERE NEW.parent_id IS NULL
        AND (SELECT rank FROM governance_level WHERE id = NEW.level_id)
            IS NOT (SELECT max(rank) FROM governance_level WHERE system_id = NEW.system_id);
    SELECT RAISE(ABORT, 'governance_area: the parent must be on the level just above, in the same system')
        WHERE NEW.parent_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM governance_area p JOIN governance_level pl ON pl.id = p.level_id
            WHERE p.id = NEW.parent_id AND p.system_id = NEW.system_id
            AND pl.rank = (SELECT rank FROM governance_level WHERE id = NEW.level_id) + 1);
    {extra}
END;
"""
_SQLITE_AREA_CHILDREN = """SELECT RAISE(ABORT, 'governance_area: an area with children cannot change level or system')
        WHERE (NEW.level_id IS NOT OLD.level_id OR NEW.system_id IS NOT OLD.system_id)
        AND EXISTS (SELECT 1 FROM governance_area WHERE parent_id = NEW.id);"""

SQLITE_INSTALL = [
    "CREATE TRIGGER IF NOT EXISTS governance_area_check_insert BEFORE INSERT ON governance_area"
    + _SQLITE_AREA_BODY.format(extra=""),
    "CREATE TRIGGER IF NOT EXISTS governance_area_check_update BEFORE UPDATE ON governance_area"
    + _SQLITE_AREA_BODY.format(extra=_SQLITE_AREA_CHILDREN),
    """CREATE TRIGGER IF NOT EXISTS governance_level_check_update BEFORE UPDATE ON governance_level
BEGIN
    SELECT RAISE(ABORT, 'governance_level: a level with areas cannot change rank or system')
        WHERE (NEW.rank IS NOT OLD.rank OR NEW.system_id IS NOT OLD.system_id)
        AND EXISTS (SELECT 1 FROM governance_area WHERE level_id = OLD.id);
END;""",
    """CREATE TRIGGER IF NOT EXISTS governance_level_check_insert BEFORE INSERT ON governance_level
BEGIN
    SELECT RAISE(ABORT, 'governance_level: a level above the top would leave areas without a parent')
        WHERE NEW.rank > (SELECT coalesce(max(rank), 0) FROM governance_level WHERE system_id = NEW.system_id)
        AND EXISTS (SELECT 1 FROM governance_area WHERE system_id = NEW.system_id);
END;""",
]

SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS governance_area_check_insert;",
    "DROP TRIGGER IF EXISTS governance_area_check_update;",
    "DROP TRIGGER IF EXISTS governance_level_check_update;",
    "DROP TRIGGER IF EXISTS governance_level_check_insert;",
]


def _statements(vendor: str, *, install: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRESQL_INSTALL if install else POSTGRESQL_REMOVE
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    return []  # Other databases rely on clean() and the services only.


def install(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, install=True):
            cursor.execute(sql)


def remove(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, install=False):
            cursor.execute(sql)
