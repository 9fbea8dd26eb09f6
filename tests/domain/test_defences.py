"""Defence rules: slot re-timing, score sheets, results maths with ties, slides checks."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from events_app.domain import defences as rules
from events_app.domain.errors import InvalidInput

MOSCOW = ZoneInfo("Europe/Moscow")
START = datetime(2021, 4, 2, 11, 20, tzinfo=MOSCOW)


def test_slot_times_follow_one_another_from_the_block_start() -> None:
    times = rules.slot_times(START, [rules.SlotLength(15, 5), rules.SlotLength(10, 10), rules.SlotLength(20, 0)])

    assert [(t.starts_at.strftime("%H:%M"), t.questions_at.strftime("%H:%M"), t.ends_at.strftime("%H:%M"))
            for t in times] == [("11:20", "11:35", "11:40"), ("11:40", "11:50", "12:00"), ("12:00", "12:20", "12:20")]


def test_slot_times_after_a_move_and_a_removal_retime_the_rest() -> None:
    lengths = {1: rules.SlotLength(15, 5), 2: rules.SlotLength(10, 10), 3: rules.SlotLength(30, 10)}
    order = rules.moved([1, 2, 3], 3, -1)
    assert order == [1, 3, 2]
    moved = rules.slot_times(START, [lengths[i] for i in order])
    assert [t.starts_at.strftime("%H:%M") for t in moved] == ["11:20", "11:40", "12:20"]

    order.remove(1)
    removed = rules.slot_times(START, [lengths[i] for i in order])
    assert [t.starts_at.strftime("%H:%M") for t in removed] == ["11:20", "12:00"]


def test_moved_keeps_the_order_at_either_end() -> None:
    assert rules.moved([4, 5, 6], 4, -1) == [4, 5, 6]
    assert rules.moved([4, 5, 6], 6, 1) == [4, 5, 6]
    assert rules.moved([4, 5, 6], 5, 1) == [4, 6, 5]


def test_check_minutes_refuses_each_bad_value() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_minutes({"talk_minutes": "0", "question_minutes": "ten"})
    assert refused.value.fields == {"talk_minutes": "A talk takes at least one minute",
                                    "question_minutes": "Enter a whole number of minutes"}
    with pytest.raises(InvalidInput) as too_long:
        rules.check_minutes({"talk_minutes": "181", "question_minutes": "5"})
    assert too_long.value.fields == {"talk_minutes": "At most 180 minutes"}
    assert rules.check_minutes({"talk_minutes": "15", "question_minutes": "0"}) == (15, 0)


CRITERIA = [rules.Criterion(1, "Актуальность", 1, 10), rules.Criterion(2, "Готовность", 1, 10)]


def test_check_scores_gives_every_value() -> None:
    assert rules.check_scores(CRITERIA, {"criterion-1": "7", "criterion-2": " 10 "}) == {1: 7, 2: 10}


def test_check_scores_is_all_or_nothing_with_a_message_per_criterion() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_scores(CRITERIA, {"criterion-1": "11", "criterion-2": ""})
    assert refused.value.fields == {"criterion-1": "Out of range", "criterion-2": "Give a whole number"}
    with pytest.raises(InvalidInput) as low:
        rules.check_scores(CRITERIA, {"criterion-1": "0", "criterion-2": "5"})
    assert low.value.fields == {"criterion-1": "Out of range"}


def test_check_scores_without_criteria_is_refused() -> None:
    with pytest.raises(InvalidInput):
        rules.check_scores([], {})


def test_project_result_averages_spread_and_range() -> None:
    result = rules.project_result(10, [
        rules.ExpertSheet(1, {1: 8, 2: 6}), rules.ExpertSheet(2, {1: 6, 2: 4}), rules.ExpertSheet(3, {1: 10, 2: 8})])

    assert result.experts == 3
    assert result.criterion_means == {1: Fraction(8), 2: Fraction(6)}
    assert result.mean == Fraction(7)  # expert means 7, 5, 9
    assert result.spread_sd == pytest.approx((8 / 3) ** 0.5)  # population standard deviation of 7, 5, 9
    assert (result.lowest, result.highest) == (Fraction(5), Fraction(9))


def test_project_result_without_scores_has_no_figures() -> None:
    result = rules.project_result(11, [])
    assert (result.experts, result.mean, result.spread_sd, result.lowest) == (0, None, None, None)


def test_ranked_shares_a_place_on_equal_means_and_skips_the_next() -> None:
    results = [
        rules.project_result(1, [rules.ExpertSheet(1, {1: 7}), rules.ExpertSheet(2, {1: 8})]),  # 7.5
        rules.project_result(2, [rules.ExpertSheet(1, {1: 9})]),  # 9
        rules.project_result(3, [rules.ExpertSheet(1, {1: 8}), rules.ExpertSheet(2, {1: 7})]),  # 7.5
        rules.project_result(4, []),
        rules.project_result(5, [rules.ExpertSheet(1, {1: 3})]),  # 3
    ]

    assert [(r.slot_id, r.rank) for r in rules.ranked(results)] == [(2, 1), (1, 2), (3, 2), (5, 4), (4, None)]


def test_ranked_ties_exactly_where_floats_would_not() -> None:
    # 0.1-style thirds: float sums of these differ in the last bit; fractions do not.
    first = rules.project_result(1, [rules.ExpertSheet(1, {1: 1, 2: 2, 3: 4}),
                                     rules.ExpertSheet(2, {1: 3, 2: 3, 3: 3})])
    second = rules.project_result(2, [rules.ExpertSheet(1, {1: 3, 2: 3, 3: 3}),
                                      rules.ExpertSheet(2, {1: 4, 2: 2, 3: 1})])
    assert [r.rank for r in rules.ranked([first, second])] == [1, 1]


def test_anonymous_remarks_leave_out_who_and_in_which_order() -> None:
    sheets = [rules.ExpertSheet(9, {}, "Уточнить экономический эффект"), rules.ExpertSheet(2, {}, "  "),
              rules.ExpertSheet(5, {}, "Актуально для региона")]
    assert rules.anonymous_remarks(sheets) == ["Актуально для региона", "Уточнить экономический эффект"]


def test_check_slides_accepts_a_pdf_by_its_content() -> None:
    rules.check_slides("slides.bin", b"%PDF-1.7\n...")


def test_check_slides_refuses_a_file_that_is_not_a_pdf_whatever_its_name() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_slides("slides.pdf", b"PK\x03\x04 a pptx in disguise")
    assert refused.value.fields == {"slides": "This file is not a PDF"}


def test_check_slides_refuses_a_file_over_the_limit() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_slides("slides.pdf", b"%PDF-" + b"0" * rules.SLIDES_MAX_BYTES)
    assert refused.value.fields == {"slides": "At most 20 MB"}


def test_stage_remaining_counts_down_and_stops_while_paused() -> None:
    started = datetime(2021, 4, 2, 8, 20, 0, tzinfo=MOSCOW)
    assert rules.stage_remaining(phase_minutes=15, started_at=started, paused_at=None,
                                 now=started.replace(minute=25)) == 600
    assert rules.stage_remaining(phase_minutes=15, started_at=started, paused_at=started.replace(minute=21),
                                 now=started.replace(minute=50)) == 840


def test_calendar_text_lists_each_slot_with_its_time() -> None:
    slot = rules.PublicSlot("Плиты МДФ", "ООО «Лузалес»", "Иванов И. И.", START, START.replace(minute=40))
    assert rules.calendar_text("Описание", [slot]) == (
        "Описание\n\nЗащиты проектов:\n— 11:20–11:40 Плиты МДФ — ООО «Лузалес» (Иванов И. И.)")


def test_the_next_project_to_score_skips_those_scored_and_comes_back_for_a_missed_one() -> None:
    order = [11, 12, 13, 14]

    assert rules.next_to_score(order, set()) == 11
    assert rules.next_to_score(order, {11}, after=11) == 12
    assert rules.next_to_score(order, {12, 13}, after=11) == 14  # scored from the slides ahead of the stage
    assert rules.next_to_score(order, {13, 14}, after=14) == 11  # the end reached: back to the first one missed
    assert rules.next_to_score(order, {11, 12, 13, 14}, after=12) is None
    assert rules.next_to_score(order, {11}, after=99) == 12  # a slot removed meanwhile: from the start
