"""Reference data: the 89 federal subjects of the Russian Federation.

Codes are the two-digit region codes used by the Federal Tax Service (the first
two digits of a tax office code / organisation INN). They are always two-digit
strings: ``"01"``, never ``"1"``. Lookups do not pad or otherwise normalise input.

``timezone`` is the IANA zone of the region's administrative centre. The four
regions admitted in 2022 have no dedicated IANA zone and use Moscow time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["Region", "REGIONS", "region_by_code", "is_region_code"]


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name_ru: str
    name_en: str
    timezone: str


_MSK = "Europe/Moscow"
_YEKT = "Asia/Yekaterinburg"

_RAW: tuple[tuple[str, str, str, str], ...] = (
    ("01", "Республика Адыгея", "Republic of Adygea", _MSK),
    ("02", "Республика Башкортостан", "Republic of Bashkortostan", _YEKT),
    ("03", "Республика Бурятия", "Republic of Buryatia", "Asia/Irkutsk"),
    ("04", "Республика Алтай", "Altai Republic", "Asia/Barnaul"),
    ("05", "Республика Дагестан", "Republic of Dagestan", _MSK),
    ("06", "Республика Ингушетия", "Republic of Ingushetia", _MSK),
    ("07", "Кабардино-Балкарская Республика", "Kabardino-Balkarian Republic", _MSK),
    ("08", "Республика Калмыкия", "Republic of Kalmykia", _MSK),
    ("09", "Карачаево-Черкесская Республика", "Karachay-Cherkess Republic", _MSK),
    ("10", "Республика Карелия", "Republic of Karelia", _MSK),
    ("11", "Республика Коми", "Komi Republic", _MSK),
    ("12", "Республика Марий Эл", "Mari El Republic", _MSK),
    ("13", "Республика Мордовия", "Republic of Mordovia", _MSK),
    ("14", "Республика Саха (Якутия)", "Sakha (Yakutia) Republic", "Asia/Yakutsk"),
    ("15", "Республика Северная Осетия — Алания", "Republic of North Ossetia–Alania", _MSK),
    ("16", "Республика Татарстан", "Republic of Tatarstan", _MSK),
    ("17", "Республика Тыва", "Tuva Republic", "Asia/Krasnoyarsk"),
    ("18", "Удмуртская Республика", "Udmurt Republic", "Europe/Samara"),
    ("19", "Республика Хакасия", "Republic of Khakassia", "Asia/Krasnoyarsk"),
    ("20", "Чеченская Республика", "Chechen Republic", _MSK),
    ("21", "Чувашская Республика", "Chuvash Republic", _MSK),
    ("22", "Алтайский край", "Altai Krai", "Asia/Barnaul"),
    ("23", "Краснодарский край", "Krasnodar Krai", _MSK),
    ("24", "Красноярский край", "Krasnoyarsk Krai", "Asia/Krasnoyarsk"),
    ("25", "Приморский край", "Primorsky Krai", "Asia/Vladivostok"),
    ("26", "Ставропольский край", "Stavropol Krai", _MSK),
    ("27", "Хабаровский край", "Khabarovsk Krai", "Asia/Vladivostok"),
    ("28", "Амурская область", "Amur Oblast", "Asia/Yakutsk"),
    ("29", "Архангельская область", "Arkhangelsk Oblast", _MSK),
    ("30", "Астраханская область", "Astrakhan Oblast", "Europe/Astrakhan"),
    ("31", "Белгородская область", "Belgorod Oblast", _MSK),
    ("32", "Брянская область", "Bryansk Oblast", _MSK),
    ("33", "Владимирская область", "Vladimir Oblast", _MSK),
    ("34", "Волгоградская область", "Volgograd Oblast", "Europe/Volgograd"),
    ("35", "Вологодская область", "Vologda Oblast", _MSK),
    ("36", "Воронежская область", "Voronezh Oblast", _MSK),
    ("37", "Ивановская область", "Ivanovo Oblast", _MSK),
    ("38", "Иркутская область", "Irkutsk Oblast", "Asia/Irkutsk"),
    ("39", "Калининградская область", "Kaliningrad Oblast", "Europe/Kaliningrad"),
    ("40", "Калужская область", "Kaluga Oblast", _MSK),
    ("41", "Камчатский край", "Kamchatka Krai", "Asia/Kamchatka"),
    ("42", "Кемеровская область — Кузбасс", "Kemerovo Oblast – Kuzbass", "Asia/Novokuznetsk"),
    ("43", "Кировская область", "Kirov Oblast", "Europe/Kirov"),
    ("44", "Костромская область", "Kostroma Oblast", _MSK),
    ("45", "Курганская область", "Kurgan Oblast", _YEKT),
    ("46", "Курская область", "Kursk Oblast", _MSK),
    ("47", "Ленинградская область", "Leningrad Oblast", _MSK),
    ("48", "Липецкая область", "Lipetsk Oblast", _MSK),
    ("49", "Магаданская область", "Magadan Oblast", "Asia/Magadan"),
    ("50", "Московская область", "Moscow Oblast", _MSK),
    ("51", "Мурманская область", "Murmansk Oblast", _MSK),
    ("52", "Нижегородская область", "Nizhny Novgorod Oblast", _MSK),
    ("53", "Новгородская область", "Novgorod Oblast", _MSK),
    ("54", "Новосибирская область", "Novosibirsk Oblast", "Asia/Novosibirsk"),
    ("55", "Омская область", "Omsk Oblast", "Asia/Omsk"),
    ("56", "Оренбургская область", "Orenburg Oblast", _YEKT),
    ("57", "Орловская область", "Oryol Oblast", _MSK),
    ("58", "Пензенская область", "Penza Oblast", _MSK),
    ("59", "Пермский край", "Perm Krai", _YEKT),
    ("60", "Псковская область", "Pskov Oblast", _MSK),
    ("61", "Ростовская область", "Rostov Oblast", _MSK),
    ("62", "Рязанская область", "Ryazan Oblast", _MSK),
    ("63", "Самарская область", "Samara Oblast", "Europe/Samara"),
    ("64", "Саратовская область", "Saratov Oblast", "Europe/Saratov"),
    ("65", "Сахалинская область", "Sakhalin Oblast", "Asia/Sakhalin"),
    ("66", "Свердловская область", "Sverdlovsk Oblast", _YEKT),
    ("67", "Смоленская область", "Smolensk Oblast", _MSK),
    ("68", "Тамбовская область", "Tambov Oblast", _MSK),
    ("69", "Тверская область", "Tver Oblast", _MSK),
    ("70", "Томская область", "Tomsk Oblast", "Asia/Tomsk"),
    ("71", "Тульская область", "Tula Oblast", _MSK),
    ("72", "Тюменская область", "Tyumen Oblast", _YEKT),
    ("73", "Ульяновская область", "Ulyanovsk Oblast", "Europe/Ulyanovsk"),
    ("74", "Челябинская область", "Chelyabinsk Oblast", _YEKT),
    ("75", "Забайкальский край", "Zabaykalsky Krai", "Asia/Chita"),
    ("76", "Ярославская область", "Yaroslavl Oblast", _MSK),
    ("77", "Москва", "Moscow", _MSK),
    ("78", "Санкт-Петербург", "Saint Petersburg", _MSK),
    ("79", "Еврейская автономная область", "Jewish Autonomous Oblast", "Asia/Vladivostok"),
    ("83", "Ненецкий автономный округ", "Nenets Autonomous Okrug", _MSK),
    ("86", "Ханты-Мансийский автономный округ — Югра", "Khanty-Mansi Autonomous Okrug – Yugra", _YEKT),
    ("87", "Чукотский автономный округ", "Chukotka Autonomous Okrug", "Asia/Anadyr"),
    ("89", "Ямало-Ненецкий автономный округ", "Yamalo-Nenets Autonomous Okrug", _YEKT),
    ("90", "Запорожская область", "Zaporozhye Oblast", _MSK),
    ("91", "Республика Крым", "Republic of Crimea", "Europe/Simferopol"),
    ("92", "Севастополь", "Sevastopol", "Europe/Simferopol"),
    ("93", "Донецкая Народная Республика", "Donetsk People's Republic", _MSK),
    ("94", "Луганская Народная Республика", "Luhansk People's Republic", _MSK),
    ("95", "Херсонская область", "Kherson Oblast", _MSK),
)

REGIONS: tuple[Region, ...] = tuple(
    sorted((Region(*row) for row in _RAW), key=lambda region: region.code)
)

_BY_CODE: Mapping[str, Region] = MappingProxyType({r.code: r for r in REGIONS})


def region_by_code(code: str) -> Region | None:
    """Return the region for an exact two-digit code (``"01"``, not ``"1"``), else ``None``."""
    return _BY_CODE.get(code)


def is_region_code(code: str) -> bool:
    return code in _BY_CODE
