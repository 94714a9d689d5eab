"""Sending the webhook deliveries `events.emit` queued: a dispatcher thread per server process.

Each round takes the due rows (`pending`, `next_attempt_at` reached) and claims each one with one
guarded UPDATE that moves `next_attempt_at` a lease ahead (`LEASE_SECONDS`, longer than a request
may take): only the process whose UPDATE matched sends it, so several server processes share the
outbox without sending a delivery twice, and a process that dies mid-send leaves a row that falls
due again when the lease runs out. The POST goes through the SSRF-guarded client
(`storage.fetch`: every address checked at connect time, no redirects followed), `TIMEOUT_SECONDS`
in all, with the webhook's headers and, when it has a secret, a signature:

    X-Labelwise-Timestamp: <unix seconds>
    X-Labelwise-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body bytes>" keyed by the secret>

A receiver recomputes the HMAC over the timestamp header, a dot and the raw body, compares it in
constant time, and refuses timestamps older than a few minutes (so a recorded delivery cannot be
replayed). A 2xx answer is `delivered`; anything else (another status, refused address, time out)
is retried after `BACKOFF_SECONDS[attempt]` until `MAX_ATTEMPTS`, then `failed`. The webhook's
`consecutive_failures` counts failed attempts since its last success.

The dispatcher sleeps `POLL_SECONDS` between rounds, is woken at once when a transaction of this
process that queued deliveries commits, and skips the database entirely while this process knows
of no active webhook (`events.active`, cached). Deliveries are sent one at a time per process.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from labelwise import __version__
from labelwise.db.base import utcnow
from labelwise.db.engine import affected, begin_write
from labelwise.db.models import Webhook, WebhookDelivery
from labelwise.io import encoding
from labelwise.services import events
from labelwise.settings import Settings
from labelwise.storage import fetch

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
MAX_ATTEMPTS = 5
# Wait before attempt 2, 3, 4, 5.
BACKOFF_SECONDS = (10, 60, 600, 3600)
LEASE_SECONDS = 60
POLL_SECONDS = 1.0
BATCH = 20
MAX_ERROR = 500
# The log keeps delivered and failed rows this long; the dispatcher prunes about once an hour.
KEEP_DAYS = 30
PRUNE_SECONDS = 3600.0


def policy_for(settings: Settings) -> fetch.Policy:
    base = fetch.Policy.from_settings(settings)
    return fetch.Policy(allow=base.allow, timeout=TIMEOUT_SECONDS, max_bytes=1 << 16, max_redirects=0)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _claim(db: Session, now: datetime) -> list[tuple[WebhookDelivery, Webhook]]:
    """Due deliveries of active webhooks, each claimed by this process for one lease. Those of a
    disabled webhook wait, and go out when it is enabled again."""
    begin_write(db)
    rows = (
        db.execute(
            select(WebhookDelivery.id)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                Webhook.is_active.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(BATCH)
        )
        .scalars()
        .all()
    )
    lease = now + timedelta(seconds=LEASE_SECONDS)
    claimed: list[int] = []
    for delivery_id in rows:
        hit = db.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
            )
            .values(next_attempt_at=lease)
        )
        if affected(hit):
            claimed.append(delivery_id)
    out = [
        (delivery, hook)
        for delivery, hook in db.execute(
            select(WebhookDelivery, Webhook)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.id.in_(claimed))
            .order_by(WebhookDelivery.id)
        )
    ]
    db.commit()
    return out


def _post(hook: Webhook, delivery: WebhookDelivery, policy: fetch.Policy) -> tuple[int | None, str]:
    """Send one delivery; (status code or None, error text or "")."""
    body = encoding.dumps(delivery.payload)
    headers = {
        **(hook.headers or {}),
        "Content-Type": "application/json",
        "User-Agent": f"Labelwise/{__version__} webhook",
        "X-Labelwise-Event": delivery.action,
        "X-Labelwise-Delivery": str(delivery.id),
    }
    if hook.secret:
        timestamp = str(int(time.time()))
        headers["X-Labelwise-Timestamp"] = timestamp
        headers["X-Labelwise-Signature"] = sign(hook.secret, timestamp, body)
    try:
        with fetch.client(policy) as http:
            request = http.build_request("POST", hook.url, content=body, headers=headers)
            request.extensions = {
                **request.extensions,
                fetch.DEADLINE: time.monotonic() + policy.timeout,
                fetch.MAX_BYTES: policy.max_bytes,
            }
            response = fetch.send(http, request, policy)
            try:
                code = response.status_code
            finally:
                response.close()
    except fetch.FetchError as exc:
        return None, exc.detail[:MAX_ERROR]
    except Exception as exc:  # a malformed URL saved before a rule change, a header httpx refuses
        return None, f"{type(exc).__name__}: {fetch.shown(exc, 200)}"[:MAX_ERROR]
    if 200 <= code < 300:
        return code, ""
    return code, f"the receiver answered {code}"


def _record(db: Session, delivery: WebhookDelivery, code: int | None, error: str, now: datetime) -> str:
    attempts = delivery.attempts + 1
    ok = not error
    if ok:
        status, next_at = "delivered", now
    elif attempts >= MAX_ATTEMPTS:
        status, next_at = "failed", now
    else:
        status, next_at = "pending", now + timedelta(seconds=BACKOFF_SECONDS[attempts - 1])
    begin_write(db)
    db.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id)
        .values(
            status=status,
            attempts=attempts,
            response_code=code,
            error=error,
            next_attempt_at=next_at,
            delivered_at=now if ok else None,
        )
    )
    failures = 0 if ok else Webhook.consecutive_failures + 1
    db.execute(update(Webhook).where(Webhook.id == delivery.webhook_id).values(consecutive_failures=failures))
    db.commit()
    return status


def prune(db: Session, now: datetime | None = None, keep_days: int = KEEP_DAYS) -> int:
    """Delete finished deliveries (delivered or failed) older than `keep_days`; pending ones stay."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    begin_write(db)
    gone = db.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status.in_(("delivered", "failed")), WebhookDelivery.created_at < cutoff
        )
    )
    db.commit()
    return affected(gone)


def run_once(factory: sessionmaker[Session], policy: fetch.Policy, now: datetime | None = None) -> int:
    """One round: claim what is due, send it, record each outcome. Returns how many were sent."""
    sent = 0
    with factory() as db:
        if not events.active(db):
            return 0  # nothing can be queued for this process to know of; no query while so
        batch = _claim(db, now or utcnow())
        for delivery, hook in batch:
            code, error = _post(hook, delivery, policy)
            _record(db, delivery, code, error, utcnow())
            sent += 1
    return sent


class Dispatcher:
    """The background thread of one server process; `start()` in the app's lifespan, `stop()` after."""

    def __init__(
        self, settings: Settings, factory: sessionmaker[Session], poll_seconds: float = POLL_SECONDS
    ):
        self.factory = factory
        self.policy = policy_for(settings)
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> Dispatcher:
        events.on_commit_wake(self.wake)
        self._thread = threading.Thread(target=self._loop, name="labelwise-webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        events.forget_waker(self.wake)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT_SECONDS + 5)

    def _loop(self) -> None:
        pruned_at = time.monotonic() - PRUNE_SECONDS - 1  # prune once at start
        while not self._stop.is_set():
            try:
                if time.monotonic() - pruned_at > PRUNE_SECONDS:
                    pruned_at = time.monotonic()
                    with self.factory() as db:
                        if events.active(db):
                            prune(db)
                while run_once(self.factory, self.policy) and not self._stop.is_set():
                    pass  # a full batch may have more behind it
            except Exception:  # the database was away, say; try again next round
                log.exception("webhook delivery round failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
