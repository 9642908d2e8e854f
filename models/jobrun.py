"""What the scheduled jobs did and how they are switched: `JobRun`, one row per job and period (e.g.
nudges held back for lack of quota, which the digest reports), and `JobSetting`, the switches set
with `flask --app bot jobs nudges on|off`."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, dialect_insert


class JobRun(Base):
    """What a job did in one period (the last run of that period wins)."""

    __tablename__ = "job_runs"
    __table_args__ = (sa.UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40))
    period: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(16))  # done / held / off / nothing
    planned: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    detail: Mapped[str] = mapped_column(sa.String(500), default="")
    at: Mapped[datetime]


class JobSetting(Base):
    __tablename__ = "job_settings"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime]


def record_run(db: Session, job: str, period: str, now: datetime, status: str, planned: int = 0,
               sent: int = 0, held: int = 0, detail: str = "") -> None:
    """Remember what a job did in a period (the latest run of the period wins). Does not commit."""
    values = {"status": status, "planned": planned, "sent": sent, "held": held, "detail": detail[:500], "at": now}
    db.execute(dialect_insert(db, JobRun.__table__).values(job=job, period=period, **values)
               .on_conflict_do_update(index_elements=["job", "period"], set_=values))


def run_of(db: Session, job: str, period: str) -> JobRun | None:
    return db.scalar(sa.select(JobRun).where(JobRun.job == job, JobRun.period == period))


def latest_runs(db: Session) -> dict[str, JobRun]:
    latest = sa.select(JobRun.job, sa.func.max(JobRun.at).label("at")).group_by(JobRun.job).subquery()
    rows = db.scalars(sa.select(JobRun).join(
        latest, sa.and_(JobRun.job == latest.c.job, JobRun.at == latest.c.at)))
    return {r.job: r for r in rows}


def recent_runs(db: Session, jobs: list[str], per_job: int = 10) -> dict[str, list[JobRun]]:
    """The latest `per_job` runs of each of these jobs, newest first (one statement)."""
    ranked = sa.select(JobRun.id, sa.func.row_number().over(
        partition_by=JobRun.job, order_by=(JobRun.at.desc(), JobRun.id.desc())).label("n")
    ).where(JobRun.job.in_(jobs)).subquery()
    rows = db.scalars(sa.select(JobRun).join(ranked, ranked.c.id == JobRun.id).where(ranked.c.n <= per_job)
                      .order_by(JobRun.job, JobRun.at.desc(), JobRun.id.desc()))
    found: dict[str, list[JobRun]] = {job: [] for job in jobs}
    for run in rows:
        found[run.job].append(run)
    return found


def get_setting(db: Session, name: str) -> str | None:
    found = db.get(JobSetting, name)
    return found.value if found is not None else None


def set_setting(db: Session, name: str, value: str, now: datetime) -> None:
    """Does not commit."""
    found = db.get(JobSetting, name)
    if found is None:
        db.add(JobSetting(name=name, value=value, updated_at=now))
    else:
        found.value, found.updated_at = value, now
    db.flush()


def clear_setting(db: Session, name: str) -> None:
    found = db.get(JobSetting, name)
    if found is not None:
        db.delete(found)
        db.flush()
