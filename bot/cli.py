"""The ``footbot`` command line (also ``python -m bot``).

Usage::

    footbot                      run the bot (Telegram with TELEGRAM_BOT_TOKEN, else console chat)
    footbot ask "question"       one answer as text (--json for the machine-readable reply)
    footbot ask --json           one JSON reply per stdin line
    footbot ask --lang fr "..."  the answer in French, whatever the question's language
    footbot chat                 console chat with the engine
    footbot check                validate knowledge/ (exit 2 on problems)
    footbot eval FILE            score an evaluation set
    footbot bench                engine latency benchmark
    footbot bench-telegram       Telegram updates handled per second, and resident memory
    footbot bench-reminders      reminders due in the same minute, delivered at 30 messages/s
    footbot render [--out DIR]   draw the technique pictures (default DIR: knowledge/pictures)
    footbot review               unanswered questions, disliked answers, replies per day
                                 (--days N, --json, --yaml for entry skeletons)

Each command imports what only it needs, so the running bot holds none of the developer
commands' code in its memory budget.
"""

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from bot import console
from bot.config import Settings
from bot.engine import Engine, Kind, Knowledge, KnowledgeError, Reply
from bot.engine.languages import Language

EXIT_OK = 0
EXIT_PROBLEMS = 2
EXIT_INTERRUPTED = 130


def positive_int(text: str) -> int:
    """An argparse type for counts, so a benchmark is never asked for zero rounds."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _fail(message: str) -> int:
    print(f"footbot: {message}", file=sys.stderr)
    return EXIT_PROBLEMS


def _engine(args: argparse.Namespace) -> Engine:
    return Engine.load(args.knowledge)


def cmd_ask(args: argparse.Namespace) -> int:
    engine = _engine(args)
    questions = (
        [" ".join(args.question)] if args.question else (line.rstrip("\n") for line in sys.stdin)
    )
    for question in questions:
        reply = engine.answer(question, language=args.lang)
        if args.json:
            print(json.dumps(_reply_json(reply, args.knowledge), ensure_ascii=False), flush=True)
        else:
            print(reply.text, flush=True)
    return EXIT_OK


def _reply_json(reply: Reply, knowledge_dir: Path) -> dict[str, object]:
    """The reply as JSON; a technique also names its committed picture."""
    from bot.pictures.files import picture_path

    payload = reply.to_json()
    if reply.kind is Kind.TECHNIQUE and reply.entry_id is not None:
        payload["image"] = str(picture_path(knowledge_dir, reply.entry_id, reply.language))
    return payload


def cmd_chat(args: argparse.Namespace) -> int:
    console.chat(_engine(args), console.prompt_lines(), print)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from bot.engine.lint import check_knowledge
    from bot.pictures.lint import check_pictures

    problems = check_knowledge(args.knowledge, extra_checks=(check_pictures,))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.knowledge}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"knowledge OK: {args.knowledge}")
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from bot import evaluation

    engine = _engine(args)
    try:
        cases = evaluation.load_cases(args.file)
    except evaluation.EvalSetError as error:
        return _fail(str(error))
    report = evaluation.evaluate_in_processes(args.knowledge, cases)
    lines = [*(report.misses() if args.misses else ()), *report.confusion_lines()]
    if args.baseline:
        from bot.baseline import side_by_side

        lines += side_by_side(engine, cases, report)
    else:
        lines += report.lines()
    for line in lines:
        print(line)
    return EXIT_OK


CHECKOUT = Path(__file__).resolve().parent.parent


class NotInCheckout(Exception):
    """A developer command was run from an installed package, which ships only the bot."""


def _from_checkout(package: str, module: str) -> ModuleType:
    """Import ``<package>.<module>`` from the source checkout beside ``bot/``.

    Benchmarks (with the test doubles they drive, ``tests/support``) and the picture drawing
    code are not part of the installed package, so the bot ships only itself; an editable
    install finds them next to ``bot/``.
    """
    if not (CHECKOUT / package).is_dir():
        raise NotInCheckout(f"{package}/ is not installed: run this from a source checkout")
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    try:
        return importlib.import_module(f"{package}.{module}")
    except ModuleNotFoundError as error:
        if error.name is not None and error.name.partition(".")[0] in (package, "bot"):
            raise
        raise NotInCheckout(
            f"{package}/ needs {error.name}: install the dev extra (pip install -e '.[dev]')"
        ) from error


def cmd_bench(args: argparse.Namespace) -> int:
    for line in _from_checkout("benchmarks", "engine").run_benchmark(
        _engine(args), rounds=args.rounds, scale=args.scale
    ):
        print(line)
    return EXIT_OK


def cmd_bench_telegram(args: argparse.Namespace) -> int:
    lines = _from_checkout("benchmarks", "telegram").run_benchmark(
        _engine(args), people=args.people, rounds=args.rounds
    )
    for line in lines:
        print(line)
    return EXIT_OK


def cmd_bench_reminders(args: argparse.Namespace) -> int:
    database_url = args.database_url or Settings.from_env().database_url
    result: int = _from_checkout("benchmarks", "reminders").main(
        _engine(args), args.subscribers, database_url, deliver=not args.no_delivery
    )
    return result


def cmd_render(args: argparse.Namespace) -> int:
    from bot.pictures.files import pictures_folder
    from bot.pictures.spec import PicturesError

    out_dir = args.out or pictures_folder(args.knowledge)
    render = _from_checkout("drawing", "render")
    try:
        written = render.render_all(args.knowledge, out_dir)
    except PicturesError as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot write pictures to {out_dir}: {error.strerror} (use --out)")
    for path in written:
        print(f"wrote {path}")
    print(f"pictures up to date in {out_dir} ({len(written)} written)")
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from bot.review.render import as_json, as_text, as_yaml
    from bot.review.report import Window, read_report
    from bot.storage import StorageError, open_store

    knowledge = Knowledge.load(args.knowledge)
    try:
        settings = Settings.from_env()
        store = open_store(settings.data_dir, settings.database_url, read_only=True)
    except StorageError as error:
        return _fail(str(error))
    try:
        report = read_report(store, knowledge, Window.ending(datetime.now(UTC).date(), args.days))
    finally:
        store.close()
    if args.json:
        print(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    elif args.yaml:
        print(as_yaml(report, {entry.id for entry in knowledge.entries}), end="")
    else:
        print(as_text(report))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.token is None:
        print("TELEGRAM_BOT_TOKEN is not set: starting a local console chat (Ctrl-D to leave).")
        return cmd_chat(args)
    from bot.telegram.app import run

    return run(settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="footbot", description="Foot-massage answers and bot.")
    parser.add_argument(
        "--knowledge",
        type=Path,
        default=Settings.from_env().knowledge_dir,
        help="knowledge folder (default: $FOOTBOT_KNOWLEDGE or the bundled knowledge/)",
    )
    parser.set_defaults(handler=cmd_run)
    commands = parser.add_subparsers(title="commands")

    def command(
        name: str, handler: Callable[[argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    command("run", cmd_run, "run the bot (console chat when no token is set)")
    ask = command("ask", cmd_ask, "answer one question, or one per stdin line")
    ask.add_argument("question", nargs="*", help="the question (omit to read stdin lines)")
    ask.add_argument("--json", action="store_true", help="print the reply as one JSON object")
    ask.add_argument(
        "--lang",
        type=Language,
        choices=list(Language),
        help="answer in this language (default: the question's own, else English)",
    )
    command("chat", cmd_chat, "chat with the engine in the terminal")
    command("check", cmd_check, "validate the knowledge folder")
    evaluate = command("eval", cmd_eval, "score an evaluation set")
    evaluate.add_argument("file", type=Path, help="evaluation YAML (list of q/expect/must cases)")
    evaluate.add_argument(
        "--baseline", choices=["bm25"], help="also score a plain BM25 over the same knowledge"
    )
    evaluate.add_argument("--misses", action="store_true", help="list every wrong reply")
    bench = command("bench", cmd_bench, "benchmark the answer engine")
    bench.add_argument("--rounds", type=positive_int, default=5, help="passes over the messages")
    bench.add_argument(
        "--scale", type=positive_int, default=1, help="copy every entry to make N times more"
    )
    bench_telegram = command(
        "bench-telegram", cmd_bench_telegram, "benchmark the Telegram bot, offline"
    )
    bench_telegram.add_argument(
        "--people", type=positive_int, default=150, help="conversations per round"
    )
    bench_telegram.add_argument(
        "--rounds", type=positive_int, default=5, help="rounds (median reported)"
    )
    bench_reminders = command(
        "bench-reminders", cmd_bench_reminders, "benchmark reminder delivery at 30 messages/s"
    )
    bench_reminders.add_argument(
        "--subscribers",
        type=positive_int,
        default=10_000,
        help="subscribers due in the same minute",
    )
    bench_reminders.add_argument(
        "--database-url",
        help="an empty PostgreSQL database to measure instead of SQLite (default: DATABASE_URL)",
    )
    bench_reminders.add_argument(
        "--no-delivery",
        action="store_true",
        help="measure scheduling and claiming only, not the minutes of sending",
    )
    render = command("render", cmd_render, "draw the technique pictures (unchanged ones are kept)")
    render.add_argument(
        "--out", type=Path, help="folder for the PNGs (default: the knowledge folder's pictures/)"
    )
    review = command("review", cmd_review, "what people asked that the bot could not answer")
    review.add_argument(
        "--days", type=positive_int, default=7, help="days to cover, today included"
    )
    review_format = review.add_mutually_exclusive_group()
    review_format.add_argument("--json", action="store_true", help="the report as one JSON object")
    review_format.add_argument(
        "--yaml", action="store_true", help="an entry skeleton per group, for knowledge/faq/"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except (KnowledgeError, NotInCheckout) as error:
        return _fail(str(error))
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return result
