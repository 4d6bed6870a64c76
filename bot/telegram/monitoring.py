"""``GET /metrics`` for Prometheus and ``GET /healthz`` for whatever restarts the bot.

A small tornado server of its own rather than routes on the webhook's: it works the same in
polling mode, and the webhook's port faces the internet while this one listens on 127.0.0.1
unless ``METRICS_HOST`` says otherwise. It runs only when ``METRICS_PORT`` is set, and is started
and stopped with the bot's own start-up and shutdown hooks, which polling and webhook mode both
call. The idle probe that keeps /healthz honest (bot/telegram/health.py) runs beside it.
"""

from http import HTTPStatus
from typing import Any

import tornado.web
from prometheus_client.exposition import choose_encoder
from telegram import Bot
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.telegram.health import Health, IdleProbe
from bot.telegram.metrics import Metrics


class MonitoringError(Exception):
    """The server cannot listen where it was told to; the message is one line."""


class MetricsHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)

    def initialize(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def get(self) -> None:
        await self.metrics.count_subscribers()
        encode, content_type = choose_encoder(self.request.headers.get("Accept", ""))
        self.set_header("Content-Type", content_type)
        self.write(encode(self.metrics.registry))


class HealthHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)

    def initialize(self, health: Health) -> None:
        self.health = health

    async def get(self) -> None:
        report = await self.health.report()
        self.set_status(HTTPStatus.OK if report.healthy else HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_header("Cache-Control", "no-store")
        self.write(report.as_json())


class Monitoring:
    """Serves /metrics and /healthz on ``host:port`` between ``start`` and ``stop``; with no
    port, both do nothing."""

    def __init__(
        self, metrics: Metrics, health: Health, bot: Bot, host: str, port: int | None
    ) -> None:
        routes: list[Any] = [
            ("/metrics", MetricsHandler, {"metrics": metrics}),
            ("/healthz", HealthHandler, {"health": health}),
        ]
        self._app = tornado.web.Application(routes, log_function=lambda handler: None)
        self._probe = IdleProbe(health, bot)
        self._host = host
        self._port = port
        self._server: HTTPServer | None = None

    async def start(self) -> None:
        if self._port is None:
            return
        try:
            sockets = bind_sockets(self._port, self._host)
        except OSError as error:
            raise MonitoringError(
                f"cannot serve /metrics on {self._host}:{self._port}:"
                f" {error.strerror or error} (check METRICS_PORT and METRICS_HOST)"
            ) from None
        self._server = HTTPServer(self._app)
        self._server.add_sockets(sockets)
        self._probe.start()

    async def stop(self) -> None:
        await self._probe.stop()
        if self._server is None:
            return
        self._server.stop()
        await self._server.close_all_connections()
        self._server = None
