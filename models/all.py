"""Every model module, imported so that Base.metadata knows every table: for the migrations, the
tests and the sandbox's reset. Nothing in models/ imports this module."""
from models import (  # noqa: F401
    activity,
    audit,  # the audit trail (also registers its flush listener)
    console,  # sign-in links and console sessions
    conversation,
    docbuild,  # documents made outside the request (the evidence pack)
    evidence,  # evidence per indicator, and its records (orders, awards, publicity, lessons, 4.5)
    files,  # uploaded evidence
    followup,  # weekly snapshots of indicator values
    jobrun,  # what the scheduled jobs did, and their switches
    measures,
    menus,  # per-user rich menus
    nomination,
    outbox,  # the scheduled jobs' messages
    plan,
    pledge,
    proposal,
    snapshot,  # milestone snapshots, hash-chained (what an assessor can trust)
    staff,
    tally,  # counters kept by triggers
    webhook_event,
)
from models.base import Base  # noqa: F401
