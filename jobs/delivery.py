"""Sending what the jobs claimed in the outbox (models/outbox.py): lease a group of pending rows, push
or multicast it with its stored retry key, mark it. Every job ends with `deliver`; outbox-retry
runs it for whatever is left.

A 409 from LINE means it had accepted that key already (the client counts it as sent). A 400, 404
or 422 is final for that message (the person blocked the bot, or LINE refused it). Anything else
(5xx, timeouts, 429 after the client's own retries, 401/403) stops this delivery; the rows stay
pending and the next run sends them with the same keys.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from linebot.v3.messaging import Message
from sqlalchemy.orm import Session

from bot.line import LineClient, LineError
from models import outbox

log = logging.getLogger("jobs.delivery")
FINAL = (400, 404, 422)  # LINE statuses after which a message is never sent again


@dataclass
class Delivery:
    sent: int = 0          # recipients reached
    requests: int = 0      # push / multicast requests that LINE accepted (or had accepted: 409)
    failed: int = 0        # recipients given up (LINE refused: blocked the bot, bad request …)
    held: int = 0          # recipients left pending: no budget, or LINE unavailable
    expired: int = 0
    stopped: str = ""      # why delivery stopped early
    errors: list[str] = field(default_factory=list)


def deliver(db: Session, line: LineClient, now: datetime, job: str | None = None,
            budget: int | None = None) -> Delivery:
    """Send pending messages (of one job, or all) with their stored retry keys.

    `budget` caps the recipients reached in this call (None: no cap); what does not fit stays
    pending. Commits after each step, and holds no transaction while it talks to LINE.
    """
    db.commit()
    report = Delivery(expired=outbox.expire(db, now, job))
    skip: set[str] = set()
    while True:
        lease = outbox.lease(db, now, job, skip, None if budget is None else budget - report.sent)
        if lease is None:
            break
        if lease is outbox.OVER_BUDGET:
            left = (budget or 0) - report.sent
            report.stopped = f"monthly quota: {left} message(s) left for this job"
            log.warning("outbox: %s", report.stopped)
            break
        if not lease.messages:  # cannot happen through claim/claim_multicast; never loop on it
            outbox.mark_refused(db, lease.retry_key, now, None, "no messages stored")
            skip.add(lease.retry_key)
            continue
        messages = [Message.from_dict(m) for m in lease.messages]
        try:
            if lease.multicast:
                line.multicast(lease.recipients, messages, retry_key=lease.retry_key)
            else:
                line.push(lease.recipients[0], messages, retry_key=lease.retry_key)
        except LineError as exc:
            detail = f"LINE {exc.status or 'unreachable'} (request id {exc.request_id or '-'}): {exc.detail}"[:500]
            report.errors.append(detail)
            if exc.status in FINAL:
                outbox.mark_refused(db, lease.retry_key, now, exc.status, detail)
                report.failed += len(lease.recipients)
                log.error("outbox: %s to %s given up: %s", "multicast" if lease.multicast else "push",
                          ", ".join(lease.recipients[:3]) + (" …" if len(lease.recipients) > 3 else ""), detail)
                skip.add(lease.retry_key)
                continue
            # LINE (or our token) is not well: stop now, try again on the next run with the same key.
            outbox.mark_unanswered(db, lease.retry_key, now, exc.status or None, detail)
            report.stopped = detail
            log.error("outbox: delivery stopped, will retry with the same key on the next run: %s", detail)
            break
        outbox.mark_sent(db, lease.retry_key, now)
        report.sent += len(lease.recipients)
        report.requests += 1
    if report.stopped:
        report.held = outbox.pending_count(db, job, now) if job else 0
        db.commit()
    return report
