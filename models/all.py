"""Imports every model module so that Base.metadata knows every table (migrations, tests)."""
from models import activity, conversation, measures, plan, pledge, proposal, staff, webhook_event  # noqa: F401
from models import nomination  # noqa: F401  (rounds, nominations, honours; registers the "honours" measure)
from models import followup, outbox  # noqa: F401  (the scheduled jobs' tables)
from models import tally  # noqa: F401  (counters kept by triggers)
from models.base import Base  # noqa: F401
