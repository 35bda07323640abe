"""The table `make bench` prints: each row's measured value, its ratio to bare Flask,
the goal, and "met" or how far off."""

from dataclasses import dataclass


@dataclass
class Row:
    work: str
    measured: str
    goal: str
    verdict: str
    ratio: str = ""
    queries: str = ""

    @property
    def met(self) -> bool:
        return self.verdict == "met"


def at_least(value: float, goal: float, digits: int = 2) -> str:
    if value >= goal:
        return "met"
    return f"{value:.{digits}f}, goal {goal:.{digits}f}: {goal - value:.{digits}f} short"


def at_most(value: float, goal: float, digits: int = 2) -> str:
    if value <= goal:
        return "met"
    return f"{value:.{digits}f}, goal {goal:.{digits}f}: {value - goal:.{digits}f} over"


def verdicts(*parts: str) -> str:
    """One verdict for a row with several goals: "met" when all are."""
    missed = [part for part in parts if part != "met"]
    return "; ".join(missed) if missed else "met"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def table(rows: list[Row]) -> str:
    headings = Row("work", "measured", "goal", "verdict", "ratio", "queries")
    columns = ["work", "measured", "ratio", "queries", "goal", "verdict"]
    widths = {c: max(len(getattr(row, c)) for row in [headings, *rows]) for c in columns}

    def line(row: Row) -> str:
        return "| " + " | ".join(getattr(row, c).ljust(widths[c]) for c in columns) + " |"

    rule = "|" + "|".join("-" * (widths[c] + 2) for c in columns) + "|"
    return "\n".join([line(headings), rule, *map(line, rows)])
