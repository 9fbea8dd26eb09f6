"""Consent to the processing of personal data (Federal Law 152-FZ): the standard text.

An event may publish its own text with its own version; otherwise this one applies. A
registration records the version it accepted, when, and from which address.
"""

from __future__ import annotations

from dataclasses import dataclass

STANDARD_VERSION = "standard-2026-1"

STANDARD_TEXT = (
    "Я даю согласие организатору мероприятия на обработку моих персональных данных: фамилии, имени, "
    "отчества, адреса электронной почты, номера телефона, наименования организации и должности, субъекта "
    "Российской Федерации и категории участника.\n\n"
    "Цель обработки — регистрация на мероприятие, выдача и проверка билета, формирование списков "
    "посещения предприятий и групп трансфера, рассылка сведений об изменениях программы.\n\n"
    "Действия с данными: сбор, запись, систематизация, хранение, уточнение, использование, передача "
    "принимающим предприятиям в объёме, нужном для пропуска на территорию, обезличивание, удаление. "
    "Обработка ведётся с использованием средств автоматизации.\n\n"
    "Согласие действует до достижения цели обработки. Я могу отозвать его в личном кабинете участника: "
    "мои персональные данные будут удалены, а в статистике мероприятия останутся только обезличенные "
    "сведения (регион и категория участника). Отзыв согласия отменяет регистрацию."
)


@dataclass(frozen=True)
class ConsentText:
    version: str
    text: str


def consent_for(version: str | None, text: str | None) -> ConsentText:
    """The event's own text when it has one, the standard one otherwise."""
    if version and text:
        return ConsentText(version, text)
    return ConsentText(STANDARD_VERSION, STANDARD_TEXT)
