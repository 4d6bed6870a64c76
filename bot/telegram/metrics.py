"""What the operator can watch: Prometheus metrics of the running bot.

One ``Metrics`` object per application, on its own registry (so tests and benchmarks never
share counters), reached through the services. Metrics carry kinds, outcomes and durations,
never a message text or a chat id.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._replies = Counter(
            "footbot_replies", "Replies to free text, by kind", ["kind"], registry=self.registry
        )
        self._answer_seconds = Histogram(
            "footbot_answer_seconds",
            "Time the answer engine took for one message",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1),
            registry=self.registry,
        )
        self._feedback = Counter(
            "footbot_feedback", "👍 / 👎 given on answers", ["verdict"], registry=self.registry
        )

    def reply_sent(self, kind: str) -> None:
        self._replies.labels(kind).inc()

    def answer_timed(self, seconds: float) -> None:
        self._answer_seconds.observe(seconds)

    def feedback_given(self, helpful: bool) -> None:
        self._feedback.labels("helpful" if helpful else "unhelpful").inc()
