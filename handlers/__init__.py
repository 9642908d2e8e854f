"""What a tap or a word does, one module per capability. Listed explicitly; no discovery."""
from __future__ import annotations

from bot.router import Router
from handlers import activity, checkin, coordinator, help, nomination, plan, pledge, proposal, registration, status

CAPABILITIES = (registration, pledge, proposal, plan, checkin, activity, nomination, status, coordinator, help)


def register_all(router: Router) -> Router:
    for capability in CAPABILITIES:
        capability.register(router)
    return router
