"""The package's layers: each imports only the layers below it, and never python-telegram-bot
where it has no business to.

    bot.engine, bot.reminders, bot.storage, bot.config   (know nothing of Telegram or each other's
                                                           callers)
    bot.telegram                                          (the Telegram front end)
    bot.review                                            (the operator's report: no Telegram)
    bot.cli, bot.console, bot.evaluation                  (entry points)

Each module is imported in a fresh interpreter, so what it drags in is visible in sys.modules.
"""

import json
import pkgutil
import subprocess
import sys

import pytest

import bot

MODULES = sorted(module.name for module in pkgutil.walk_packages(bot.__path__, prefix="bot."))
# What each layer may import from the bot package, besides itself.
ALLOWED: dict[str, tuple[str, ...]] = {
    "bot.config": (),
    "bot.storage": (),
    "bot.engine": ("bot.config",),
    "bot.reminders": ("bot.storage",),
    "bot.review": ("bot.engine", "bot.storage"),
    "bot.telegram": ("bot.config", "bot.engine", "bot.reminders", "bot.storage"),
}
PROBE = (
    "import importlib, json, sys; importlib.import_module(sys.argv[1]);"
    " print(json.dumps(list(sys.modules)))"
)


def layer_of(module: str) -> str | None:
    return next(
        (layer for layer in ALLOWED if module == layer or module.startswith(f"{layer}.")), None
    )


def imported_by(module: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("module", [m for m in MODULES if layer_of(m) is not None])
def test_each_module_imports_only_the_layers_below_it(module: str) -> None:
    layer = layer_of(module)
    assert layer is not None
    loaded = imported_by(module)
    ours = {layer_of(name) for name in loaded if name.startswith("bot.")} - {None, layer}
    assert ours <= set(ALLOWED[layer]), f"{module} reaches into {ours - set(ALLOWED[layer])}"
    if layer != "bot.telegram":
        assert "telegram" not in loaded, f"{module} imports python-telegram-bot"


def test_the_package_ships_no_test_doubles_or_benchmarks() -> None:
    assert not [m for m in MODULES if "testing" in m or "bench" in m or "fake" in m]
