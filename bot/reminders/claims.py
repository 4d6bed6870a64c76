"""Claiming due reminders from the store: where "never sent twice" is enforced.

Claim before send: each slice of due subscriptions is decided with ``plan.claim`` and its
advanced next due time and sent date are committed *before* any message goes out, in the same
transaction that picked the slice (``Store.claim_due``; on PostgreSQL the rows are taken with
``FOR UPDATE SKIP LOCKED``, so two replicas claiming at once never take the same one). Whatever
happens afterwards, a restart, or another replica, finds those reminders already done, so none
is ever sent twice (at-most-once delivery). The price is that a crash between claim and send
loses what was claimed and not yet sent, so the sender claims small slices (a couple of seconds
of sending), and a clean shutdown gives back with ``release`` every claim it did not start
sending.
"""

from collections.abc import Iterable
from datetime import datetime

from bot.reminders.plan import Claim, claim, to_unix
from bot.storage import Store, Subscription


def claim_due(store: Store, now: datetime, limit: int) -> list[Claim]:
    """Decide and commit up to ``limit`` due subscriptions, earliest first.

    Claims that skip tonight's reminder (too late to be welcome) are committed too; only those
    with ``send`` set are for the sender.
    """
    if limit <= 0:
        return []
    claims: list[Claim] = []

    def decide(subscription: Subscription) -> Subscription:
        claims.append(claim(subscription, now))
        return claims[-1].updated

    store.claim_due(to_unix(now), limit, decide)
    return claims


def release(store: Store, claims: Iterable[Claim]) -> int:
    """Give back claims that were never sent, so the next start sends them; how many were.

    A subscription the person changed since the claim (a new time, /forget) keeps the change.
    """
    return store.replace_unchanged((c.updated, c.previous) for c in claims)
