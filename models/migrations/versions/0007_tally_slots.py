"""tallies spread over slots: on PostgreSQL, concurrent acknowledgments no longer queue on one row

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 00:30:00

Migration 0006's triggers add every acknowledgment to one row, `pledge.acks.<version id>`. On
PostgreSQL that row stays locked from the trigger until the transaction commits, so every other
acknowledgment of the same version waits for it: under load the acknowledgments of the whole office
went through one at a time. Measured (benchmark, 32 taps in flight, pg_stat_activity sampled every
20 ms): on average six backends waiting on `Lock:transactionid` and fewer than one doing work;
with 16 slots, 0.16 waiting on a lock (the open transactions now wait for the web process instead).

A counter is now the sum of its rows, one per slot: `tallies (name, slot, value)`, primary key
(name, slot). On PostgreSQL an acknowledgment goes to slot `staff id % 16`, so two people tapping at
the same moment meet on a row only one time in 16 (more slots cost more rows to read on every tap);
`staff.active` changes only with the roster and stays in slot 0. SQLite takes one writer at a time
anyway, so its triggers keep everything in slot 0 and a read sums one row. Readers always sum
(models/tally.py).

NOTE for later migrations: SQLite's batch mode re-creates a table, which drops its triggers; a batch
migration of `staff` or `pledge_acks` must create this migration's TRIGGERS_SQLITE again.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SLOTS = 16  # PostgreSQL acknowledgments only; keep in step with models/tally.py's docstring

SQLITE_TRIGGER_NAMES = ("tally_staff_insert", "tally_staff_delete", "tally_staff_retire", "tally_staff_return",
                        "tally_ack_insert", "tally_ack_delete")

# SQLite: an UPSERT after INSERT … SELECT needs a WHERE clause to parse ("WHERE true").
_ADD_SQLITE = """
    INSERT INTO tallies (name, slot, value) VALUES ({name}, 0, {delta})
    ON CONFLICT (name, slot) DO UPDATE SET value = value + excluded.value;"""
_SUBTRACT_SQLITE = """
    UPDATE tallies SET value = value - 1 WHERE name = {name} AND slot = 0;"""
_ACKS_OF_PERSON_SQLITE = """
    INSERT INTO tallies (name, slot, value)
    SELECT 'pledge.acks.' || version_id, 0, {sign} FROM pledge_acks WHERE staff_id = NEW.id AND true
    ON CONFLICT (name, slot) DO UPDATE SET value = value + excluded.value;"""

TRIGGERS_SQLITE = [
    f"""CREATE TRIGGER tally_staff_insert AFTER INSERT ON staff WHEN NEW.active BEGIN
        {_ADD_SQLITE.format(name="'staff.active'", delta=1)}
    END""",
    f"""CREATE TRIGGER tally_staff_delete AFTER DELETE ON staff WHEN OLD.active BEGIN
        {_SUBTRACT_SQLITE.format(name="'staff.active'")}
    END""",
    f"""CREATE TRIGGER tally_staff_retire AFTER UPDATE OF active ON staff
    WHEN OLD.active AND NOT NEW.active BEGIN
        {_SUBTRACT_SQLITE.format(name="'staff.active'")}
        {_ACKS_OF_PERSON_SQLITE.format(sign=-1)}
    END""",
    f"""CREATE TRIGGER tally_staff_return AFTER UPDATE OF active ON staff
    WHEN NOT OLD.active AND NEW.active BEGIN
        {_ADD_SQLITE.format(name="'staff.active'", delta=1)}
        {_ACKS_OF_PERSON_SQLITE.format(sign=1)}
    END""",
    f"""CREATE TRIGGER tally_ack_insert AFTER INSERT ON pledge_acks
    WHEN (SELECT active FROM staff WHERE id = NEW.staff_id) BEGIN
        {_ADD_SQLITE.format(name="'pledge.acks.' || NEW.version_id", delta=1)}
    END""",
    f"""CREATE TRIGGER tally_ack_delete AFTER DELETE ON pledge_acks
    WHEN (SELECT active FROM staff WHERE id = OLD.staff_id) BEGIN
        {_SUBTRACT_SQLITE.format(name="'pledge.acks.' || OLD.version_id")}
    END""",
]

# PostgreSQL: the same functions as 0006, with the person's slot. The acknowledgment trigger still
# reads the person's row FOR SHARE (see 0006): a retirement at the same moment waits for it or it
# waits for the retirement, and neither counts the other's change twice or not at all.
FUNCTIONS_POSTGRES = [
    """CREATE FUNCTION tally_add(key text, at_slot integer, delta integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO tallies (name, slot, value) VALUES (key, at_slot, delta)
        ON CONFLICT (name, slot) DO UPDATE SET value = tallies.value + EXCLUDED.value
    $$""",
    f"""CREATE OR REPLACE FUNCTION tally_staff() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE sign integer;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.active THEN PERFORM tally_add('staff.active', 0, 1); END IF;
        ELSIF TG_OP = 'DELETE' THEN
            IF OLD.active THEN PERFORM tally_add('staff.active', 0, -1); END IF;
        ELSIF NEW.active IS DISTINCT FROM OLD.active THEN
            sign := CASE WHEN NEW.active THEN 1 ELSE -1 END;
            PERFORM tally_add('staff.active', 0, sign);
            INSERT INTO tallies (name, slot, value)
            SELECT 'pledge.acks.' || version_id, mod(NEW.id, {SLOTS}), sign FROM pledge_acks WHERE staff_id = NEW.id
            ON CONFLICT (name, slot) DO UPDATE SET value = tallies.value + EXCLUDED.value;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION tally_ack() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF (SELECT active FROM staff WHERE id = NEW.staff_id FOR SHARE) THEN
                PERFORM tally_add('pledge.acks.' || NEW.version_id, mod(NEW.staff_id, {SLOTS}), 1);
            END IF;
        ELSIF TG_OP = 'DELETE' THEN
            IF (SELECT active FROM staff WHERE id = OLD.staff_id FOR SHARE) THEN
                PERFORM tally_add('pledge.acks.' || OLD.version_id, mod(OLD.staff_id, {SLOTS}), -1);
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
]


def _new_table(name: str, slotted: bool) -> None:
    columns = [sa.Column("name", sa.String(length=64), nullable=False)]
    if slotted:
        columns.append(sa.Column("slot", sa.Integer(), nullable=False, server_default="0"))
    columns.append(sa.Column("value", sa.Integer(), nullable=False))
    key = ("name", "slot") if slotted else ("name",)
    # PostgreSQL: every tap updates a counter row. With room on its page (pages filled to 10% only)
    # the new version stays on that page: a HOT update, no new primary-key entry, and the old
    # version is pruned on a later visit, instead of spreading the table and its key over more
    # pages, which every read of a counter then has to visit.
    op.create_table(name, *columns, sa.PrimaryKeyConstraint(*key, name=op.f("pk_tallies")))
    if slotted and op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {name} SET (fillfactor = 10)")


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    # Triggers first (they write to tallies), then the table, then the triggers again.
    if postgres:
        op.execute("DROP FUNCTION tally_add(text, integer)")  # tally_staff/tally_ack are replaced below
    else:
        for trigger in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER {trigger}")
    op.rename_table("tallies", "tallies_0006")
    if postgres:  # the primary key's name goes with the index, which keeps it after a rename
        op.execute("ALTER TABLE tallies_0006 RENAME CONSTRAINT pk_tallies TO pk_tallies_0006")
    _new_table("tallies", slotted=True)
    op.execute("INSERT INTO tallies (name, slot, value) SELECT name, 0, value FROM tallies_0006")
    op.drop_table("tallies_0006")
    for statement in FUNCTIONS_POSTGRES if postgres else TRIGGERS_SQLITE:
        op.execute(statement)


def _revision_0006():
    """0006's module, for its trigger statements (migration files are loaded by path, not imported)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("tallies_0006", Path(__file__).with_name("0006_tallies.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    before = _revision_0006()
    postgres = op.get_context().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER tally_ack ON pledge_acks")
        op.execute("DROP TRIGGER tally_staff ON staff")
        for function in ("tally_ack()", "tally_staff()", "tally_add(text, integer, integer)"):
            op.execute(f"DROP FUNCTION {function}")
    else:
        for trigger in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER {trigger}")
    op.rename_table("tallies", "tallies_0007")
    if postgres:
        op.execute("ALTER TABLE tallies_0007 RENAME CONSTRAINT pk_tallies TO pk_tallies_0007")
    _new_table("tallies", slotted=False)
    op.execute("INSERT INTO tallies (name, value) SELECT name, sum(value) FROM tallies_0007 GROUP BY name")
    op.drop_table("tallies_0007")
    for statement in before.FUNCTIONS_POSTGRES + before.TRIGGERS_POSTGRES if postgres else before.TRIGGERS_SQLITE:
        op.execute(statement)
