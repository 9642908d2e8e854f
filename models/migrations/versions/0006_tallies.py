"""tallies kept by the database: people on the roster, acknowledgments of each pledge version

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 22:00:00

Every acknowledgment answers with the office's progress ("ร่วมแล้ว 87 จาก 120 คน"). Counting rows
for that is O(people) per tap: at 20,000 people it costs several milliseconds of database time on
PostgreSQL (a sequential scan of staff, a bitmap scan of the acknowledgments) while the row lock of
the acknowledgment is held. Triggers keep two kinds of counter instead, exact whatever writes the
rows (the webhook, the roster import, the CLI, a test's own INSERT):

    staff.active             people on the roster (staff.active true)
    pledge.acks.<version id> acknowledgments of that version by people on the roster

NOTE for later migrations: SQLite's batch mode re-creates a table, which drops its triggers; a batch
migration of `staff` or `pledge_acks` must create this migration's triggers again (see TRIGGERS_SQLITE).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# SQLite: an UPSERT after INSERT … SELECT needs a WHERE clause to parse ("WHERE true").
_ACKS_OF_PERSON_SQLITE = """
    INSERT INTO tallies (name, value)
    SELECT 'pledge.acks.' || version_id, {sign} FROM pledge_acks WHERE staff_id = NEW.id AND true
    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value;"""

TRIGGERS_SQLITE = [
    """CREATE TRIGGER tally_staff_insert AFTER INSERT ON staff WHEN NEW.active BEGIN
        INSERT INTO tallies (name, value) VALUES ('staff.active', 1)
        ON CONFLICT (name) DO UPDATE SET value = value + 1;
    END""",
    """CREATE TRIGGER tally_staff_delete AFTER DELETE ON staff WHEN OLD.active BEGIN
        UPDATE tallies SET value = value - 1 WHERE name = 'staff.active';
    END""",
    f"""CREATE TRIGGER tally_staff_retire AFTER UPDATE OF active ON staff
    WHEN OLD.active AND NOT NEW.active BEGIN
        UPDATE tallies SET value = value - 1 WHERE name = 'staff.active';
        {_ACKS_OF_PERSON_SQLITE.format(sign=-1)}
    END""",
    f"""CREATE TRIGGER tally_staff_return AFTER UPDATE OF active ON staff
    WHEN NOT OLD.active AND NEW.active BEGIN
        INSERT INTO tallies (name, value) VALUES ('staff.active', 1)
        ON CONFLICT (name) DO UPDATE SET value = value + 1;
        {_ACKS_OF_PERSON_SQLITE.format(sign=1)}
    END""",
    """CREATE TRIGGER tally_ack_insert AFTER INSERT ON pledge_acks
    WHEN (SELECT active FROM staff WHERE id = NEW.staff_id) BEGIN
        INSERT INTO tallies (name, value) VALUES ('pledge.acks.' || NEW.version_id, 1)
        ON CONFLICT (name) DO UPDATE SET value = value + 1;
    END""",
    """CREATE TRIGGER tally_ack_delete AFTER DELETE ON pledge_acks
    WHEN (SELECT active FROM staff WHERE id = OLD.staff_id) BEGIN
        UPDATE tallies SET value = value - 1 WHERE name = 'pledge.acks.' || OLD.version_id;
    END""",
]

# PostgreSQL. The acknowledgment trigger reads the person's row FOR SHARE: a roster import that is
# retiring that person at the same moment holds the row, so the trigger waits for it and then sees
# the committed state; neither transaction can count the other's change twice or not at all.
FUNCTIONS_POSTGRES = [
    """CREATE FUNCTION tally_add(key text, delta integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO tallies (name, value) VALUES (key, delta)
        ON CONFLICT (name) DO UPDATE SET value = tallies.value + EXCLUDED.value
    $$""",
    """CREATE FUNCTION tally_staff() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE sign integer;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.active THEN PERFORM tally_add('staff.active', 1); END IF;
        ELSIF TG_OP = 'DELETE' THEN
            IF OLD.active THEN PERFORM tally_add('staff.active', -1); END IF;
        ELSIF NEW.active IS DISTINCT FROM OLD.active THEN
            sign := CASE WHEN NEW.active THEN 1 ELSE -1 END;
            PERFORM tally_add('staff.active', sign);
            INSERT INTO tallies (name, value)
            SELECT 'pledge.acks.' || version_id, sign FROM pledge_acks WHERE staff_id = NEW.id
            ON CONFLICT (name) DO UPDATE SET value = tallies.value + EXCLUDED.value;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION tally_ack() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF (SELECT active FROM staff WHERE id = NEW.staff_id FOR SHARE) THEN
                PERFORM tally_add('pledge.acks.' || NEW.version_id, 1);
            END IF;
        ELSIF TG_OP = 'DELETE' THEN
            IF (SELECT active FROM staff WHERE id = OLD.staff_id FOR SHARE) THEN
                PERFORM tally_add('pledge.acks.' || OLD.version_id, -1);
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
]
TRIGGERS_POSTGRES = [
    "CREATE TRIGGER tally_staff AFTER INSERT OR DELETE OR UPDATE OF active ON staff "
    "FOR EACH ROW EXECUTE FUNCTION tally_staff()",
    "CREATE TRIGGER tally_ack AFTER INSERT OR DELETE ON pledge_acks "
    "FOR EACH ROW EXECUTE FUNCTION tally_ack()",
]

BACKFILL = [
    "INSERT INTO tallies (name, value) SELECT 'staff.active', count(*) FROM staff WHERE active",
    "INSERT INTO tallies (name, value) "
    "SELECT 'pledge.acks.' || a.version_id, count(*) FROM pledge_acks a JOIN staff s ON s.id = a.staff_id "
    "WHERE s.active GROUP BY a.version_id",
]


def upgrade() -> None:
    op.create_table(
        "tallies",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_tallies")),
    )
    for statement in BACKFILL:
        op.execute(statement)
    if op.get_context().dialect.name == "postgresql":
        for statement in FUNCTIONS_POSTGRES + TRIGGERS_POSTGRES:
            op.execute(statement)
    else:
        for statement in TRIGGERS_SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tally_ack ON pledge_acks")
        op.execute("DROP TRIGGER IF EXISTS tally_staff ON staff")
        for function in ("tally_ack()", "tally_staff()", "tally_add(text, integer)"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    else:
        for name in ("tally_staff_insert", "tally_staff_delete", "tally_staff_retire", "tally_staff_return",
                     "tally_ack_insert", "tally_ack_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("tallies")
