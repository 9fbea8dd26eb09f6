"""Project defences as plain rules: slot times, jury score checks and the results.

A defence block (a session of kind `project_defence`) holds ordered slots. A slot has no stored
time: each starts when the one before it ends, from the block's start, so reordering or removing
a slot re-times every slot after it without anyone editing times by hand.

Results use exact fractions, so two projects with equal averages tie exactly (a float sum
would separate 7.1 + 7.2 from 7.2 + 7.1 by rounding).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from math import sqrt

from events_app.domain.errors import N_, DomainError, InvalidInput

MAX_SLOT_MINUTES = 180
PDF_MAGIC = b"%PDF-"
SLIDES_MAX_BYTES = 20 * 1024 * 1024  # web/limits.py lets this one route past the 1 MB body limit


class ApplicationStatus(StrEnum):
    """Where a team's defence application stands; a new one waits for the organiser's decision."""

    WAITING = "waiting"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class StagePhase(StrEnum):
    """What the stage screen of a defence block shows: nothing yet, a team's talk, the jury's
    questions, or the end of the block."""

    IDLE = "idle"
    TALK = "talk"
    QUESTIONS = "questions"
    DONE = "done"


class ScoringClosed(DomainError):
    code = "scoring_closed"


@dataclass(frozen=True)
class SlotLength:
    talk_minutes: int
    question_minutes: int

    @property
    def total(self) -> timedelta:
        return timedelta(minutes=self.talk_minutes + self.question_minutes)


@dataclass(frozen=True)
class SlotTime:
    starts_at: datetime
    questions_at: datetime
    ends_at: datetime


def slot_times(block_starts_at: datetime, slots: Sequence[SlotLength]) -> list[SlotTime]:
    """Each slot's start, start of questions and end, one after another from the block's start."""
    times: list[SlotTime] = []
    moment = block_starts_at
    for slot in slots:
        questions_at = moment + timedelta(minutes=slot.talk_minutes)
        ends_at = questions_at + timedelta(minutes=slot.question_minutes)
        times.append(SlotTime(starts_at=moment, questions_at=questions_at, ends_at=ends_at))
        moment = ends_at
    return times


def moved(order: Sequence[int], slot_id: int, step: int) -> list[int]:
    """The slot ids with `slot_id` moved `step` places (-1 up, +1 down); unchanged at either end."""
    ids = list(order)
    if slot_id not in ids:
        raise InvalidInput(N_("That slot is not in this block"))
    index = ids.index(slot_id)
    target = index + step
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return ids


def check_minutes(values: Mapping[str, str]) -> tuple[int, int]:
    """Talk and question minutes from a form: whole minutes, talk at least one."""
    errors: dict[str, str] = {}
    numbers: dict[str, int] = {}
    for name in ("talk_minutes", "question_minutes"):
        text = str(values.get(name, "")).strip()
        if not text.isdigit():
            errors[name] = N_("Enter a whole number of minutes")
            continue
        numbers[name] = int(text)
        if numbers[name] > MAX_SLOT_MINUTES:
            errors[name] = N_("At most 180 minutes")
    if "talk_minutes" in numbers and numbers["talk_minutes"] < 1 and "talk_minutes" not in errors:
        errors["talk_minutes"] = N_("A talk takes at least one minute")
    if errors:
        raise InvalidInput(N_("Check the highlighted fields"), fields=errors)
    return numbers["talk_minutes"], numbers["question_minutes"]


@dataclass(frozen=True)
class Criterion:
    id: int
    title: str
    min_score: int
    max_score: int


def check_scores(criteria: Sequence[Criterion], values: Mapping[str, str]) -> dict[int, int]:
    """Every criterion's score from a form (`criterion-<id>`), all or nothing: one bad or missing
    value refuses the whole sheet, with a message beside each field concerned."""
    if not criteria:
        raise InvalidInput(N_("The organiser has not set the scoring criteria yet"))
    scores: dict[int, int] = {}
    errors: dict[str, str] = {}
    for criterion in criteria:
        name = f"criterion-{criterion.id}"
        text = str(values.get(name, "")).strip()
        number = int(text) if text.lstrip("-").isdigit() else None
        if number is None:
            errors[name] = N_("Give a whole number")
        elif not criterion.min_score <= number <= criterion.max_score:
            errors[name] = N_("Out of range")
        else:
            scores[criterion.id] = number
    if errors:
        raise InvalidInput(N_("The scores were not saved: check the highlighted criteria"), fields=errors)
    return scores


def check_criterion(title: str, min_text: str, max_text: str) -> tuple[str, int, int]:
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = N_("Name the criterion")
    elif len(title) > 200:
        errors["title"] = N_("At most 200 characters")
    low = int(min_text) if min_text.strip().isdigit() else None
    high = int(max_text) if max_text.strip().isdigit() else None
    if low is None:
        errors["min_score"] = N_("Give a whole number")
    if high is None:
        errors["max_score"] = N_("Give a whole number")
    if low is not None and high is not None and not (low < high <= 100):
        errors["max_score"] = N_("The highest score must be above the lowest and at most 100")
    if errors:
        raise InvalidInput(N_("Check the highlighted fields"), fields=errors)
    assert low is not None and high is not None
    return title, low, high


# --- Results ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExpertSheet:
    """One expert's submitted scores for one project."""

    expert_id: int
    values: Mapping[int, int]  # criterion id → score
    remarks: str = ""


@dataclass(frozen=True)
class ProjectResult:
    slot_id: int
    experts: int
    criterion_means: dict[int, Fraction]
    mean: Fraction | None  # the mean of the experts' own means; None before any score
    spread_sd: float | None  # population standard deviation of the experts' means
    lowest: Fraction | None
    highest: Fraction | None
    rank: int | None = None


def expert_mean(sheet: ExpertSheet) -> Fraction | None:
    if not sheet.values:
        return None
    return Fraction(sum(sheet.values.values()), len(sheet.values))


def project_result(slot_id: int, sheets: Sequence[ExpertSheet]) -> ProjectResult:
    """Averages per criterion and overall, and how far the experts disagree."""
    by_criterion: dict[int, list[int]] = {}
    for sheet in sheets:
        for criterion_id, value in sheet.values.items():
            by_criterion.setdefault(criterion_id, []).append(value)
    means = [mean for mean in (expert_mean(sheet) for sheet in sheets) if mean is not None]
    overall = sum(means, Fraction(0)) / len(means) if means else None
    spread = None
    if overall is not None:
        spread = sqrt(float(sum(((mean - overall) ** 2 for mean in means), Fraction(0)) / len(means)))
    return ProjectResult(
        slot_id=slot_id, experts=len(means),
        criterion_means={cid: Fraction(sum(values), len(values)) for cid, values in by_criterion.items()},
        mean=overall, spread_sd=spread, lowest=min(means) if means else None,
        highest=max(means) if means else None)


def ranked(results: Sequence[ProjectResult]) -> list[ProjectResult]:
    """Best mean first. Equal means share a rank and the next rank skips ("1, 2, 2, 4"); projects
    without scores come last, unranked, in their slot order."""
    scored = sorted((r for r in results if r.mean is not None), key=lambda r: -r.mean)  # type: ignore[operator]  # the filter left only scored ones
    answer: list[ProjectResult] = []
    for index, result in enumerate(scored):
        previous = answer[-1] if answer else None
        rank = previous.rank if previous is not None and previous.mean == result.mean else index + 1
        answer.append(replace(result, rank=rank))
    return answer + [r for r in results if r.mean is None]


def next_to_score(order: Sequence[int], scored: Collection[int], *, after: int | None = None) -> int | None:
    """The project an expert should score next: the first in running order after `after` (the slot
    on stage, or the one just scored) that they have not scored; failing that, the first unscored
    one before it, so a project they missed is not forgotten. None when every project is scored."""
    start = order.index(after) + 1 if after in order else 0
    return next((slot_id for slot_id in (*order[start:], *order[:start]) if slot_id not in scored), None)


def anonymous_remarks(sheets: Sequence[ExpertSheet]) -> list[str]:
    """The remarks a team receives without names: alphabetical, so neither the order the experts
    wrote in nor their order on the jury list tells who wrote which."""
    return sorted(sheet.remarks.strip() for sheet in sheets if sheet.remarks.strip())


def check_slides(filename: str, data: bytes) -> None:
    """A PDF by its content, not its name, within the size limit."""
    if len(data) > SLIDES_MAX_BYTES:
        raise InvalidInput(N_("The file is too large: slides may be at most 20 MB"),
                           fields={"slides": N_("At most 20 MB")})
    if not data.startswith(PDF_MAGIC):
        raise InvalidInput(N_("Only PDF files are accepted"), fields={"slides": N_("This file is not a PDF")})


def stage_remaining(*, phase_minutes: int, started_at: datetime, paused_at: datetime | None,
                    now: datetime) -> int:
    """Seconds left in the current phase (negative when it overran)."""
    elapsed = (paused_at or now) - started_at
    return int(phase_minutes * 60 - elapsed.total_seconds())


@dataclass(frozen=True)
class PublicSlot:
    """A slot as the public programme and calendar feeds show it."""

    project_title: str
    organisations: str
    presenters: str
    starts_at: datetime
    ends_at: datetime

    @property
    def calendar_line(self) -> str:
        return (f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M} {self.project_title} — {self.organisations}"
                f" ({self.presenters})")


def calendar_text(text: str, slots: Sequence[PublicSlot]) -> str:
    """A block's calendar description with its slots' times (feeds are in Russian)."""
    if not slots:
        return text
    listing = "Защиты проектов:\n" + "\n".join(f"— {slot.calendar_line}" for slot in slots)
    return f"{text}\n\n{listing}" if text else listing
