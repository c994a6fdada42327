"""Parser throughput and worst cases: MB/s for ordinary, number-dense, quote-dense, bullet and
single-line inputs at 10 KB, 100 KB and 1 MB, the ratio of the slowest to ordinary, the size
of what is stored (`to_json`) relative to the input, and, when ../shared/corpus exists, the
throughput on its real articles and the corpus scores.

"ordinary" is the bundled and sample briefings repeated: about 10 figure mentions per KB,
about twice as dense as the real articles, so it is the harder case.

    .venv/bin/python -m bench.parse            # all sizes
    .venv/bin/python -m bench.parse --quick    # 10 KB and 100 KB only

Each figure is the median of a few runs in this process, in CPU seconds of this process
(time.process_time), so that other work on a shared machine counts less; nothing is asserted.
At 1 MB the number-dense inputs reach the parser's cap on figure mentions (MAX_FIGURES).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.briefing.parser import parse_briefing

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
SIZES = (10_000, 100_000, 1_000_000)


def _ordinary_paragraphs() -> list[str]:
    texts = [ROOT / "content" / "kursk-incursion.txt", *sorted((ROOT / "tests" / "data" / "briefings").iterdir())]
    paragraphs: list[str] = []
    for path in texts:
        body = path.read_text(encoding="utf-8").split("\n\n")[1:]
        paragraphs += [p for p in body if p.strip() and not p.lstrip().startswith(("-", "•", "*", "#", "---"))]
    return paragraphs


def _fill(head: str, piece: Callable[[int], str], size: int, sep: str = "\n\n") -> str:
    """A headline, a blank line, then pieces joined by ``sep`` up to ``size`` characters."""
    parts: list[str] = []
    total, i = len(head) + 2, 0
    while total < size:
        part = piece(i)
        parts.append(part)
        total += len(part) + len(sep)
        i += 1
    return head + "\n\n" + sep.join(parts)


def ordinary(size: int) -> str:
    paragraphs = _ordinary_paragraphs()
    return _fill("Ordinary News Briefing", lambda i: paragraphs[i % len(paragraphs)], size)


def numbers_per_paragraph(size: int) -> str:
    return _fill("Numbers", lambda i: f"{i * 37 % 100000:,} people", size)


def numbers_one_paragraph(size: int) -> str:
    """Numbers with units and no full stop: one endless sentence."""
    units = ("km", "people", "percent", "million dollars", "to", "villages")
    return _fill("Numbers", lambda i: f"{i % 997} {units[i % len(units)]}", size, sep=" ")


def quotes(size: int) -> str:
    names = ("Jane Doe", "Ólafur Ragnar Grímsson", "the ministry", "he", "Ali Şahin")
    return _fill(
        "Quotes",
        lambda i: f'"We will rebuild number {i}," {names[i % len(names)]} said. "Every home, every street."',
        size,
    )


def bullets(size: int) -> str:
    return _fill("Bullets", lambda i: f"- Point {i} says 3 towns lost power.", size, sep="\n")


def single_line(size: int) -> str:
    return "One Line\n\n" + ordinary(size - 10).replace("\n", " ")


def heading_spaces(size: int) -> str:
    return "#" + " " * size + "x\n\nBody text."


INPUTS: dict[str, Callable[[int], str]] = {
    "ordinary": ordinary,
    "numbers, one per paragraph": numbers_per_paragraph,
    "numbers, no full stop": numbers_one_paragraph,
    "quotes": quotes,
    "bullets": bullets,
    "one unbroken line": single_line,
    "heading padded with spaces": heading_spaces,
}


def time_parse(raw: bytes, runs: int) -> tuple[float, int]:
    """(median seconds, bytes of the stored JSON) for parsing ``raw``."""
    times = []
    stored = 0
    for _ in range(runs):
        started = time.process_time()
        briefing = parse_briefing(raw, "bench.txt")
        times.append(time.process_time() - started)
        stored = len(json.dumps(briefing.to_json(), ensure_ascii=False).encode())
    return statistics.median(times), stored


def corpus_throughput() -> str:
    """MB/s over the real articles of ../shared/corpus, each parsed as its own file."""
    files = [p.read_bytes() for p in sorted(CORPUS.glob("*.txt"))]
    if not files:
        return "real articles: corpus absent"
    runs = []
    for _ in range(9):
        started = time.process_time()
        for raw in files:
            parse_briefing(raw, "article.txt")
        runs.append(time.process_time() - started)
    seconds = statistics.median(runs)
    size = sum(map(len, files))
    return f"real articles: {len(files)} files, {size:,} bytes, {seconds:.4f} s, {size / seconds / 1e6:.2f} MB/s (median of 9)"


def corpus_scores() -> str:
    score = CORPUS / "score.py"
    if not score.exists():
        return f"corpus: absent ({CORPUS} not found)"
    done = subprocess.run([sys.executable, str(score)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    return (done.stdout.strip().splitlines() or [done.stderr.strip()])[-1]


def run_tables(sizes: tuple[int, ...]) -> None:
    print(f"python {sys.version.split()[0]}; median of 5 runs (3 at 1 MB), CPU seconds")
    print(f"{'input':<28}{'size':>10}{'seconds':>10}{'MB/s':>8}{'x ordinary':>12}{'stored/input':>14}")
    for size in sizes:
        runs = 3 if size >= 1_000_000 else 5
        base: float | None = None
        worst = 0.0
        for name, make in INPUTS.items():
            raw = make(size).encode()
            seconds, stored = time_parse(raw, runs)
            base = seconds if base is None else base
            ratio = seconds / base
            worst = max(worst, ratio)
            print(
                f"{name:<28}{len(raw):>10,}{seconds:>10.4f}{len(raw) / seconds / 1e6:>8.2f}"
                f"{ratio:>12.2f}{stored / len(raw):>14.2f}"
            )
        print(f"{'':<28}{'':>10} slowest / ordinary at this size: {worst:.2f}")


async def main() -> None:
    quick = "--quick" in sys.argv
    print("\n== parser throughput and worst cases ==")
    run_tables(SIZES[:2] if quick else SIZES)
    print(corpus_throughput())
    print(corpus_scores())


if __name__ == "__main__":
    asyncio.run(main())
