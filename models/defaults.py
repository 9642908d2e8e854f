"""What every office starts with: the FY2569 declaration and the seed's FY2569 plan."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import planfile, pledge


def ensure(db: Session) -> list[str]:
    """Add the defaults that are missing; the names of what was added."""
    added = []
    version = pledge.ensure_default(db)
    if version is not None:
        added.append(f"the default pledge '{version.title}'")
    plan = planfile.ensure_default(db)
    if plan is not None:
        added.append(f"the FY{plan.fiscal_year} plan of {plan.office}")
    return added
