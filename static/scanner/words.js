// The scanner's words in Russian and English. The page is kept by the service worker for offline
// starts, so it cannot be rendered in the visitor's language by the server: it carries Russian and
// this module puts the language of the `lang` cookie (the site's language switch, or the one on the
// scanner) on it. The cookie also travels with every API call, so the server's answers follow.
//
// WORDS stays plain JSON (double quotes, no trailing commas): tests/web/test_scanner_words.py
// reads it to check that both languages have the same keys and placeholders. A counted phrase is
// a list of forms: Russian one/few/many (1 отметка, 2 отметки, 5 отметок), English one/other.

export const WORDS = {
  "ru": {
    "page_title": "Сканер билетов",
    "connecting": "Подключение…",
    "language_switch": "English",
    "language_label": "Язык сканера",
    "not_connected_title": "Этот телефон не подключён",
    "not_connected_text": "Сканер работает только на телефоне, подключённом к мероприятию.",
    "not_connected_step_1": "Попросите организатора создать для вас ссылку подключения устройства.",
    "not_connected_step_2": "Откройте эту ссылку на этом телефоне и нажмите «Подключить этот телефон».",
    "not_connected_step_3": "Ссылка срабатывает один раз; для другого телефона нужна своя ссылка.",
    "revoked_title": "Этот телефон отключён от мероприятия",
    "revoked_text": "Организатор отключил этот телефон, или его подключение больше не действует. Сканировать с него нельзя.",
    "queue_stuck": [
      "{n} отметка, сделанная без сети, не отправлена. Сообщите организатору.",
      "{n} отметки, сделанные без сети, не отправлены. Сообщите организатору.",
      "{n} отметок, сделанных без сети, не отправлено. Сообщите организатору."
    ],
    "list_label": "Список",
    "direction": "Направление",
    "entry": "Вход",
    "exit": "Выход",
    "camera_picture": "Изображение с камеры",
    "exit_mode": "Режим выхода",
    "sound_on": "Включить звук",
    "search_title": "Нет телефона с билетом?",
    "search_label": "Фамилия, организация или код с билета",
    "history_title": "Последние проверки",
    "answer_offline": "Без сети: отметка уйдёт на сервер, когда сеть появится",
    "answer_hint": "Коснитесь экрана, чтобы продолжить",
    "online": "онлайн",
    "online_sending": "онлайн · отправляю {n}",
    "offline_queued": "офлайн · в очереди {n}",
    "list_option": "{checked_in}/{expected} · {title}",
    "list_option_closed": "{checked_in}/{expected} · закрыт · {title}",
    "no_lists": "Списки появятся, когда будет сеть",
    "counts": "Прошли {checked_in} из {expected}",
    "counts_closed": "Прошли {checked_in} из {expected} · список закрыт",
    "offline_list_from": "список без сети от {time}",
    "no_offline_list": "нет списка для работы без сети",
    "storage_full": "Память браузера заполнена: список для работы без сети не сохранён",
    "server_refused_mark": "Сервер не принял отметку: {message}",
    "mark_before_repairing": "Отметка сделана до переподключения телефона и не отправлена",
    "not_a_ticket": "Этот QR-код — не билет мероприятия.",
    "no_list_chosen": "Список не выбран: подключите телефон к сети хотя бы один раз.",
    "server_refused_request": "Сервер отклонил запрос: {message}",
    "title_ok": "Проходите",
    "title_warn": "Повторный проход",
    "title_error": "Не пропускать",
    "title_exit": "Выход отмечен",
    "first_checkin": "Первая отметка: {time}",
    "first_checkin_at_device": "Первая отметка: {time}, {device}",
    "history_queued": "без сети, в очереди",
    "history_sent": "без сети, отправлено",
    "history_refused": "без сети пропущен(а); сервер: {message}",
    "nobody_found": "Никого не нашли в этом списке.",
    "found_offline": "Без сети: найдено в списке, сохранённом на телефоне.",
    "already_in_at": "уже прошёл(а) в {time}",
    "check_ticket": "Проверить билет {secret}",
    "no_kept_list_to_search": "Списка на телефоне пока нет: искать по фамилии можно, когда появится сеть. Код с билета можно ввести и без сети.",
    "search_unreachable": "Нет связи с сервером: поиск недоступен.",
    "search_failed": "Поиск не удался.",
    "camera_needs_https": "Камера доступна только по защищённому адресу (https://). Откройте сканер по ссылке организатора.",
    "camera_not_allowed": "Нет доступа к камере. Разрешите его в настройках браузера для этого сайта и обновите страницу; пока найдите участника по фамилии или коду с билета ниже.",
    "camera_not_found": "Камера не найдена. Найдите участника по фамилии или введите код с билета ниже.",
    "camera_busy": "Камера занята другим приложением. Закройте его и обновите страницу.",
    "camera_failed": "Не удалось включить камеру. Обновите страницу.",
    "offline_no_data": "Нет сохранённого списка для проверки без сети. Проверьте билет, когда появится сеть.",
    "offline_unknown_ticket": "Билета нет в сохранённом списке: не пропускайте, пока не проверите по сети или у организатора.",
    "offline_in_list": "Билет есть в сохранённом списке.",
    "offline_already_in": "Уже отмечен(а) в этом списке."
  },
  "en": {
    "page_title": "Ticket scanner",
    "connecting": "Connecting…",
    "language_switch": "Русский",
    "language_label": "Scanner language",
    "not_connected_title": "This phone is not connected",
    "not_connected_text": "The scanner works only on a phone connected to the event.",
    "not_connected_step_1": "Ask the organiser to make a device link for you.",
    "not_connected_step_2": "Open that link on this phone and press “Connect this phone”.",
    "not_connected_step_3": "A link works once; another phone needs a link of its own.",
    "revoked_title": "This phone has been disconnected from the event",
    "revoked_text": "The organiser disconnected this phone, or its connection is no longer valid. It cannot scan.",
    "queue_stuck": [
      "{n} check-in made offline was not sent. Tell the organiser.",
      "{n} check-ins made offline were not sent. Tell the organiser."
    ],
    "list_label": "List",
    "direction": "Direction",
    "entry": "Entry",
    "exit": "Exit",
    "camera_picture": "Camera picture",
    "exit_mode": "Exit mode",
    "sound_on": "Turn the sound on",
    "search_title": "No phone with the ticket?",
    "search_label": "Surname, organisation or the code on the ticket",
    "history_title": "Recent checks",
    "answer_offline": "Offline: the check-in goes to the server when the network is back",
    "answer_hint": "Tap the screen to continue",
    "online": "online",
    "online_sending": "online · sending {n}",
    "offline_queued": "offline · {n} queued",
    "list_option": "{checked_in}/{expected} · {title}",
    "list_option_closed": "{checked_in}/{expected} · closed · {title}",
    "no_lists": "Lists appear once there is a network",
    "counts": "Checked in {checked_in} of {expected}",
    "counts_closed": "Checked in {checked_in} of {expected} · list closed",
    "offline_list_from": "offline list from {time}",
    "no_offline_list": "no list for working offline",
    "storage_full": "The browser's storage is full: the list for working offline was not kept",
    "server_refused_mark": "The server did not accept the check-in: {message}",
    "mark_before_repairing": "The check-in was made before the phone was connected again and was not sent",
    "not_a_ticket": "This QR code is not a ticket to the event.",
    "no_list_chosen": "No list chosen: connect the phone to a network at least once.",
    "server_refused_request": "The server refused the request: {message}",
    "title_ok": "Admit",
    "title_warn": "Already checked in",
    "title_error": "Do not admit",
    "title_exit": "Exit recorded",
    "first_checkin": "First check-in: {time}",
    "first_checkin_at_device": "First check-in: {time}, {device}",
    "history_queued": "offline, queued",
    "history_sent": "offline, sent",
    "history_refused": "admitted offline; server: {message}",
    "nobody_found": "Nobody found in this list.",
    "found_offline": "Offline: found in the list kept on the phone.",
    "already_in_at": "already checked in at {time}",
    "check_ticket": "Check ticket {secret}",
    "no_kept_list_to_search": "No list on the phone yet: searching by surname works once there is a network. A code from the ticket can be typed offline too.",
    "search_unreachable": "No connection to the server: search is unavailable.",
    "search_failed": "The search failed.",
    "camera_needs_https": "The camera works only on a secure address (https://). Open the scanner with the organiser's link.",
    "camera_not_allowed": "No access to the camera. Allow it in the browser's settings for this site and reload the page; meanwhile find people by surname or by the code on the ticket below.",
    "camera_not_found": "No camera found. Find people by surname or type the code on the ticket below.",
    "camera_busy": "Another app is using the camera. Close it and reload the page.",
    "camera_failed": "Could not turn the camera on. Reload the page.",
    "offline_no_data": "No list kept for checking offline. Check the ticket once there is a network.",
    "offline_unknown_ticket": "The ticket is not in the kept list: do not admit until it is checked online or with the organiser.",
    "offline_in_list": "The ticket is in the kept list.",
    "offline_already_in": "Already checked in on this list."
  }
};

export const LANGUAGES = Object.keys(WORDS);
const DEFAULT_LANGUAGE = "ru";
// The same cookie as events_app/i18n.COOKIE, kept as long as the site's switch keeps it.
const COOKIE = "lang";
const COOKIE_SECONDS = 365 * 24 * 3600;
const LOCALES = { ru: "ru-RU", en: "en-GB" };
// Which form of a counted phrase each plural category takes (see the note above WORDS).
const FORMS = { ru: { one: 0, few: 1, many: 2, other: 1 }, en: { one: 0, other: 1 } };

function fromCookie() {
  const match = /(?:^|;\s*)lang=([^;]*)/.exec(document.cookie);
  return match && LANGUAGES.includes(match[1]) ? match[1] : DEFAULT_LANGUAGE;
}

let current = fromCookie();

export function language() {
  return current;
}

/** A BCP 47 locale for dates and times in the current language. */
export function locale() {
  return LOCALES[current];
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** The words for `key` in the current language, with {placeholders} filled from `values`. */
export function t(key, values = {}) {
  const text = WORDS[current][key] ?? WORDS[DEFAULT_LANGUAGE][key] ?? key;
  return fill(Array.isArray(text) ? text[0] : text, values);
}

/** A counted phrase in the form `n` takes in `code` (the current language by default). */
export function plural(key, n, values = {}, code = current) {
  const forms = WORDS[code][key];
  const category = new Intl.PluralRules(LOCALES[code]).select(n);
  return fill(forms[FORMS[code][category] ?? forms.length - 1], { ...values, n });
}

/**
 * Switch to `code`: the cookie for the next start and for the API, the words for now. False when
 * the cookie did not take (one set by the server as HttpOnly before it was readable here).
 */
export function chooseLanguage(code) {
  current = LANGUAGES.includes(code) ? code : DEFAULT_LANGUAGE;
  document.cookie = `${COOKIE}=${current}; path=/; max-age=${COOKIE_SECONDS}; samesite=lax`;
  return fromCookie() === current;
}

/** Put the current language on the page's fixed words: data-words (text) and data-words-label (aria-label). */
export function translatePage() {
  document.documentElement.lang = current;
  document.title = t("page_title");
  for (const element of document.querySelectorAll("[data-words]")) element.textContent = t(element.dataset.words);
  for (const element of document.querySelectorAll("[data-words-label]")) {
    element.setAttribute("aria-label", t(element.dataset.wordsLabel));
  }
}
