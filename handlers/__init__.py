"""What a tap or a word does, one module per capability. Listed explicitly; no discovery."""
from __future__ import annotations

from bot.router import Router
from handlers import (
    activity,
    checkin,
    console,
    coordinator,
    digest,
    evidence,
    help,
    honours,
    nomination,
    plan,
    pledge,
    proposal,
    registration,
    reports,
    status,
    texts,
)

CAPABILITIES = (registration, pledge, proposal, plan, checkin, activity, nomination, honours, status, coordinator,
                digest, console, evidence, reports, help)


def register_all(router: Router) -> Router:
    """Every capability's words, actions, conversations and steps, and what the router says itself."""
    for capability in CAPABILITIES:
        capability.register(router)
    router.notices(texts.NOTICES)
    return router.check()
