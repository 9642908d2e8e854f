"""Imports every model module so that Base.metadata knows every table (migrations, tests)."""
from models import activity, conversation, measures, plan, pledge, proposal, staff, webhook_event  # noqa: F401
from models.base import Base  # noqa: F401
