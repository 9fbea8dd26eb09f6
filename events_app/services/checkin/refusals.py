"""What the door says when it turns a delegate away, in one wording for every place that says it:
the door's answer to a scan (`door`), and the refusals lists and offline phones keep (`lists`).

The words are chosen from the translations given, not the request's, so the SQLite door path can
write an answer from the writer's thread in the language its request came in.
"""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from datetime import date

from events_app import i18n
from events_app.domain.checkin import LIST_DAY_MESSAGE, REASON_MESSAGES, TICKET_DAYS_MESSAGE, Reason


def refusal_message(translations: gettext.NullTranslations, language: str, reason: Reason | None, *,
                    bus: str | None = None, ticket_days: Sequence[date] = (),
                    other_list_day: date | None = None) -> str:
    """The message of a door's answer. A wrong bus names the delegate's bus; a wrong day names the
    list's own day when the list chosen is not today's (`other_list_day`), else the ticket's days
    («Билет на 2 и 3 апреля, не на сегодня»), else just «Билет не на сегодня». Any other reason,
    or an admission (None), has its plain message."""
    if reason is Reason.WRONG_BUS:
        return translations.gettext(REASON_MESSAGES[reason]) % {"bus": bus}
    if reason is Reason.WRONG_DAY:
        if other_list_day is not None:
            return translations.gettext(LIST_DAY_MESSAGE) % {"day": i18n.format_days([other_list_day], language)}
        if ticket_days:
            return translations.gettext(TICKET_DAYS_MESSAGE) % {"days": i18n.format_days(ticket_days, language)}
    return translations.gettext(REASON_MESSAGES[reason])
