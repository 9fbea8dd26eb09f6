"""The dashboard's SVG charts: well-formed, accessible, and drawing the figures they are given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from events_app.domain import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def _bars(root: ET.Element, css: str = "bar") -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if css in rect.get("class", "").split()]


def test_bar_chart_draws_a_bar_per_value_scaled_to_the_largest() -> None:
    markup = charts.bar_chart(chart_id="c1", title="По регионам", empty="пусто",
                              bars=[charts.Bar("Республика Коми", 40), charts.Bar("Республика Мордовия", 10),
                                    charts.Bar("Другие регионы", 0)])

    root = _parse(markup)
    bars = _bars(root)
    assert [bar.get("data-value") for bar in bars] == ["40", "10", "0"]
    widths = [float(bar.get("width", "")) for bar in bars]
    assert widths[0] == charts.WIDTH - 48 and widths[1] == widths[0] / 4 and widths[2] == 0
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {3 * charts.ROW + 4}"
    assert root.get("width") == "100%"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "По регионам"
    assert root.find(f"{SVG}desc").text == "Республика Коми: 40; Республика Мордовия: 10; Другие регионы: 0"
    assert "style=" not in markup


def _label_lines(root: ET.Element) -> list[list[str]]:
    """Each chart label as the lines a reader sees."""
    return [[span.text or "" for span in text.iter(f"{SVG}tspan")]
            for text in root.iter(f"{SVG}text") if text.get("class") == "chart-label"]


def test_labels_are_escaped_and_long_ones_wrap_in_full() -> None:
    title = "ООО «A&B»: посещение деревообрабатывающего производства и склада готовой продукции"
    markup = charts.bar_chart(chart_id="c2", title="<b>&", empty="",
                              bars=[charts.Bar(title, 3), charts.Bar("Коми", 1)])

    root = _parse(markup)
    lines = _label_lines(root)
    assert lines == [["ООО «A&B»: посещение деревообрабатывающего", "производства и склада готовой продукции"],
                     ["Коми"]]
    assert "…" not in markup
    assert root.find(f"{SVG}title").text == "<b>&"
    # The bar of a two-line label moves down by a line, and so does everything after it.
    assert [float(bar.get("y", "")) for bar in _bars(root)] == [22 + charts.LINE_HEIGHT,
                                                               charts.ROW + charts.LINE_HEIGHT + 22]
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {2 * charts.ROW + charts.LINE_HEIGHT + 4}"


def test_a_label_longer_than_a_line_keeps_every_character() -> None:
    label = "Визит " + "я" * 100 + " конец"

    lines = charts.wrap(label)

    assert all(len(line) <= charts.LINE_CHARS for line in lines)
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")
    assert charts.wrap("") == [""]


def test_progress_chart_wraps_a_long_visit_title() -> None:
    title = "10.04 13:30 Посещение АО «Монди Сыктывкарский ЛПК»: бумажная фабрика и лесопильное производство"

    root = _parse(charts.progress_chart(chart_id="c6", title="Заполненность", empty="",
                                        rows=[charts.Progress(title, 5, 10)]))

    assert [" ".join(lines) for lines in _label_lines(root)] == [title]
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {charts.PROGRESS_ROW + 2 * charts.LINE_HEIGHT}"


def test_progress_chart_fills_the_share_and_marks_overfull_rows() -> None:
    markup = charts.progress_chart(chart_id="c3", title="Заполненность", empty="", rows=[
        charts.Progress("Монди", 30, 40, note="3 в ожидании"), charts.Progress("Лузалес", 45, 40),
        charts.Progress("Пусто", 0, 0)])

    root = _parse(markup)
    bars = _bars(root)
    assert [(bar.get("data-value"), bar.get("data-total"), float(bar.get("width", ""))) for bar in bars] == [
        ("30", "40", charts.WIDTH * 0.75), ("45", "40", float(charts.WIDTH)), ("0", "0", 0.0)]
    assert [bar.get("class") for bar in bars] == ["bar", "bar over", "bar"]
    assert len(_bars(root, "track")) == 3
    values = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "chart-value"]
    assert values == ["30 / 40 (75%) · 3 в ожидании", "45 / 40 (112%)", "0 / 0"]


def test_timeline_draws_a_column_per_day_and_the_running_total() -> None:
    days = [charts.Day("18.03", 2, 2), charts.Day("19.03", 0, 2), charts.Day("20.03", 4, 6)]

    root = _parse(charts.timeline_chart(chart_id="c4", title="По дням", days=days, daily_label="за день",
                                        total_label="всего", empty=""))

    bars = _bars(root)
    assert [bar.get("data-value") for bar in bars] == ["2", "0", "4"]
    assert [float(bar.get("height", "")) for bar in bars] == [69.0, 0.0, 138.0]
    points = root.find(f"{SVG}polyline").get("points", "").split()
    assert len(points) == 3
    assert [float(point.split(",")[1]) for point in points] == [114.0, 114.0, 22.0]
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["18.03: 2", "19.03: 0", "20.03: 4"]


def test_empty_charts_say_so() -> None:
    root = _parse(charts.bar_chart(chart_id="c5", title="По регионам", bars=[], empty="Регистраций пока нет"))

    assert _bars(root) == []
    assert [text.text for text in root.iter(f"{SVG}text")] == ["Регистраций пока нет"]
    assert root.find(f"{SVG}desc").text == "Регистраций пока нет"
