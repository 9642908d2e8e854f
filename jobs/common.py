"""What the jobs share: periods (the outbox's idempotency unit), recipients, the push budget, and
the schedule strings of the settings ("mon 08:30", "08:00", or a crontab)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.line import LineClient, LineError, Quota
from models import outbox
from models.staff import Role, Staff, digest_condition

log = logging.getLogger("jobs")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DIGEST = "weekly-digest"  # the digest's outbox job (jobs.digest.NAME): the reminders read its topics
# Of the monthly quota, the share the bot may use: the office's LINE OA does more than this bot
# (announcements, its own broadcasts), so the rest is left to it. Staff nudges get what this share
# leaves once the bot's pushes so far this month and the coordinators' reserve are taken out.
BOT_SHARE = 0.5


# -- periods -----------------------------------------------------------------------------------------
def local(now: datetime, settings: Settings) -> datetime:
    if now.tzinfo is None:
        return now.replace(tzinfo=settings.tz)
    return now.astimezone(settings.tz)


def week_of(now: datetime) -> str:
    """ISO week, "2026-W08" (Monday to Sunday; 31 Dec 2026 and 1 Jan 2027 are both 2026-W53)."""
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def week_end(now: datetime) -> datetime:
    """Midnight at the start of next Monday, in `now`'s zone."""
    monday = now.date() - timedelta(days=now.weekday())
    return datetime.combine(monday + timedelta(days=7), time(), tzinfo=now.tzinfo)


def day_of(now: datetime) -> str:
    return now.date().isoformat()


def month_start(now: datetime) -> datetime:
    """Midnight at the start of `now`'s month, in `now`'s zone (LINE counts the quota per month)."""
    return datetime.combine(now.date().replace(day=1), time(), tzinfo=now.tzinfo)


def day_end(now: datetime) -> datetime:
    return datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)


def settings_of(line: LineClient) -> Settings:
    """A job gets (now, db, line); its settings are those the LINE client was made with."""
    return line.settings


# -- recipients --------------------------------------------------------------------------------------
def coordinators(db: Session) -> list[Staff]:
    """Coordinators on the roster who registered with LINE (executives read สรุป when they want)."""
    return list(db.scalars(sa.select(Staff).where(
        Staff.active, Staff.role == Role.COORDINATOR.value, Staff.line_user_id.is_not(None)).order_by(Staff.code)))


def digest_recipients(db: Session) -> list[Staff]:
    """Who gets the weekly digest: registered coordinators unless they switched it off, registered
    executives who switched it on (models.staff.gets_digest)."""
    return list(db.scalars(sa.select(Staff).where(
        Staff.active, digest_condition(), Staff.line_user_id.is_not(None)).order_by(Staff.code)))


def line_id(person: Staff) -> str:
    """The LINE user id of a registered person (the recipients' queries select only those)."""
    if person.line_user_id is None:
        raise ValueError(f"{person!r} is not registered with LINE")
    return person.line_user_id


# -- the push budget ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Budget:
    quota: Quota | None  # None: LINE did not say
    reserve: int

    @property
    def for_coordinators(self) -> int | None:
        """Messages this month still allowed (None: no limit, or unknown: LINE will tell)."""
        return None if self.quota is None else self.quota.remaining

    @property
    def for_staff(self) -> int | None:
        """What is left once the reserve for coordinator messages is kept back."""
        remaining = self.for_coordinators
        return None if remaining is None else max(remaining - self.reserve, 0)

    def for_nudges(self, bot_sent: int) -> int | None:
        """What staff nudges may use now: what `for_staff` allows, and no more than the bot's share of
        the month's quota (BOT_SHARE) less the reserve and `bot_sent`, the bot's pushes so far this month."""
        allowed = self.for_staff
        if allowed is None or self.quota is None or self.quota.limit is None:
            return allowed
        share = int(self.quota.limit * BOT_SHARE) - self.reserve - bot_sent
        return max(min(allowed, share), 0)

    def share_used_up(self, bot_sent: int, need: int) -> bool:
        """Whether it is the bot's share, not LINE's quota, that cannot cover `need` more staff pushes."""
        allowed = self.for_staff
        return allowed is not None and need <= allowed and need > (self.for_nudges(bot_sent) or 0)

    def spend(self, sent: int) -> Budget:
        """The budget once `sent` more messages went out."""
        if self.quota is None or not sent:
            return self
        return Budget(Quota(self.quota.limit, self.quota.used + sent), self.reserve)

    def describe(self) -> str:
        if self.quota is None:
            return "quota unknown"
        if self.quota.limit is None:
            return "no monthly limit"
        return f"{self.quota.used} of {self.quota.limit} used this month, {self.reserve} kept for coordinators"


def sent_this_month(db: Session, now: datetime) -> int:
    """Messages the bot's jobs pushed since the start of `now`'s month (recipients, from the outbox)."""
    return outbox.sent_since(db, month_start(now))


def read_budget(line: LineClient, settings: Settings) -> tuple[Budget, str]:
    """This month's quota and consumption from LINE; (budget, error text or "")."""
    try:
        return Budget(line.quota(), settings.push_reserve), ""
    except LineError as exc:
        log.warning("could not read the message quota: %s", exc)
        return Budget(None, settings.push_reserve), str(exc)


# -- schedules -----------------------------------------------------------------------------------------
class ScheduleError(ValueError):
    pass


def parse_cron(text: str) -> dict[str, str | int]:
    """'mon 08:30' (weekly), 'mon,thu 08:30', '08:00' (daily), or a 5-field crontab '30 8 * * mon'
    → APScheduler CronTrigger fields."""
    parts = text.split()
    if len(parts) == 5:
        minute, hour, day, month, day_of_week = parts
        return {"minute": minute, "hour": hour, "day": day, "month": month, "day_of_week": day_of_week}
    if len(parts) in (1, 2):
        clock = parts[-1]
        try:
            hours, minutes = (int(x) for x in clock.split(":"))
        except ValueError:
            raise ScheduleError(f"{text!r}: expected HH:MM, e.g. 'mon 08:30' or '08:00'") from None
        if not (0 <= hours < 24 and 0 <= minutes < 60):
            raise ScheduleError(f"{text!r}: no such time of day")
        fields: dict[str, str | int] = {"hour": hours, "minute": minutes}
        if len(parts) == 2:
            days = parts[0].lower()
            if not all(d in DAYS for d in days.replace("-", ",").split(",")):
                raise ScheduleError(f"{text!r}: days are {', '.join(DAYS)}")
            fields["day_of_week"] = days
        return fields
    raise ScheduleError(f"{text!r}: expected 'mon 08:30', '08:00' or a 5-field crontab")

