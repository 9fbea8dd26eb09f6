// The door scanner page: pick a list, point the phone at a ticket, read the answer off the whole
// screen. Online, the server decides; without a network the phone decides from the list it keeps
// and queues its admissions, which go to the server in order when the network is back.
import * as api from "./api.js";
import { Scanner, cameraProblem } from "./camera.js";
import { signal, soundLocked, unlockSound } from "./feedback.js";
import { ListData, localIsoNow, newNonce, queue, read, secretFrom, sha256Hex, write } from "./offline.js";
import { chooseLanguage, language, locale, plural, t, translatePage } from "./words.js";

const LISTS_EVERY_MS = 10_000;
const OFFLINE_DATA_EVERY_MS = 60_000;
const QUEUE_RETRY_MS = 15_000;
const SAME_CODE_MS = 3_000; // a code must leave the camera's view this long before it counts again
const SHOW_OK_MS = 2_000;
const SHOW_REFUSAL_MS = 4_000;
const HISTORY_SIZE = 15;

const $ = (id) => document.getElementById(id);

const state = {
  device: read("device", null),
  lists: read("lists", []),
  list: read("list", null),
  type: read("type", "entry") === "exit" ? "exit" : "entry",
  data: null,
  reachable: navigator.onLine,
  busy: false,
  lastSeen: new Map(),
  dismissTimer: null,
  history: read("history", []),
  scanner: null,
  started: Promise.resolve(),
  timers: [],
  cameraError: undefined, // why the camera is off, when it is
  revoked: null, // once the phone is found disconnected: whether the organiser did it
};

// ---- connection and counts -------------------------------------------------------------------

function online() {
  return navigator.onLine && state.reachable;
}

function setReachable(value) {
  if (state.reachable !== value) {
    state.reachable = value;
    renderConnection();
    renderCounts();
  }
}

function renderConnection() {
  const waiting = queue.items().length;
  const element = $("connection");
  element.textContent = online()
    ? (waiting ? t("online_sending", { n: waiting }) : t("online"))
    : t("offline_queued", { n: waiting });
  element.classList.toggle("offline", !online());
}

function renderDevice() {
  $("device-name").textContent = state.device?.name ?? t("page_title");
  $("event-title").textContent = state.device?.event_title ?? "";
}

function renderLists() {
  const select = $("list");
  // Counts first: a phone's closed picker cuts a long list title at the end, and the counts must show.
  const label = (item) => t(item.closed ? "list_option_closed" : "list_option", item);
  const same = select.options.length === state.lists.length &&
    state.lists.every((item, index) => select.options[index].value === item.name);
  if (same) {
    // Counts change every few seconds: new text in the same options keeps an open picker open.
    state.lists.forEach((item, index) => { select.options[index].textContent = label(item); });
    select.value = state.list;
  } else {
    select.replaceChildren(...state.lists.map((item) => {
      const option = document.createElement("option");
      option.value = item.name;
      option.textContent = label(item);
      option.selected = item.name === state.list;
      return option;
    }));
  }
  if (!state.lists.length) {
    const option = document.createElement("option");
    option.textContent = t("no_lists");
    select.append(option);
  }
  select.disabled = !state.lists.length;
  renderCounts();
}

function renderCounts() {
  const item = state.lists.find((entry) => entry.name === state.list);
  const parts = [];
  if (item) parts.push(t(item.closed ? "counts_closed" : "counts", item));
  if (!online()) {
    parts.push(state.data?.available ? t("offline_list_from", { time: clock(state.data.generatedAt) }) : t("no_offline_list"));
  }
  $("counts").textContent = parts.join(" · ");
}

function clock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const time = date.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
  return date.toDateString() === new Date().toDateString()
    ? time : `${date.toLocaleDateString(locale(), { day: "numeric", month: "long" })} ${time}`;
}

function failed(error) {
  if (error instanceof api.NotConnected) {
    disconnect(true);
  } else if (error instanceof api.Unreachable) {
    setReachable(false);
  } else {
    console.warn(error);
  }
}

// ---- keeping lists, offline data and the queue up to date ------------------------------------

async function refreshLists() {
  if (!navigator.onLine) return setReachable(false);
  try {
    const answer = await api.lists();
    setReachable(true);
    state.device = answer.device;
    state.lists = answer.lists;
    write("device", state.device);
    write("lists", state.lists);
    renderDevice();
    if (!state.lists.some((item) => item.name === state.list)) {
      const fallback = state.lists.some((item) => item.name === state.device.default_list)
        ? state.device.default_list : state.lists[0]?.name;
      if (fallback) chooseList(fallback);
    }
    renderLists();
  } catch (error) {
    failed(error);
  }
}

function chooseList(name) {
  state.list = name;
  write("list", name);
  state.data = new ListData(name);
  renderLists();
  clearSearch();
  refreshOfflineData();
}

const downloads = new Map();

/** Download a list's offline data; a download of the same list already on its way is shared. */
function refreshOfflineData(name = state.list) {
  if (!name || !navigator.onLine) return Promise.resolve();
  if (!downloads.has(name)) downloads.set(name, downloadList(name).finally(() => downloads.delete(name)));
  return downloads.get(name);
}

async function downloadList(name) {
  const queuedHashes = () => queue.items().filter((item) => item.list === name).map((item) => item.hash);
  // Admissions queued now may reach the server while the list is on its way and be missing from it.
  const unsent = new Set(queuedHashes());
  const requestedAt = Date.now();
  try {
    const fresh = await api.offlineData(name);
    setReachable(true);
    queuedHashes().forEach((hash) => unsent.add(hash));
    const data = state.list === name ? state.data : new ListData(name);
    if (!data.replace(fresh, { unsent, requestedAt })) {
      $("counts").textContent = t("storage_full");
      return;
    }
    renderCounts();
  } catch (error) {
    failed(error);
  }
}

let flushing = null;

/** Send queued offline admissions, oldest first; one upload at a time. */
function flushQueue() {
  flushing ??= uploadQueue().finally(() => {
    flushing = null;
    renderConnection();
  });
  return flushing;
}

async function uploadQueue() {
  for (let item = queue.items()[0]; item; item = queue.items()[0]) {
    if (!navigator.onLine) return setReachable(false);
    let answer;
    try {
      answer = await api.redeem(item.body, { token: item.token });
    } catch (error) {
      if (error instanceof api.Refused) {
        answer = { status: "error", reason: "refused", message: t("server_refused_mark", { message: error.message }) };
      } else if (error instanceof api.NotConnected && item.token !== api.deviceToken()) {
        answer = { status: "error", reason: "refused", message: t("mark_before_repairing") };
      } else {
        return failed(error);
      }
    }
    setReachable(true);
    queue.dropFirst();
    settleHistory(item.body.nonce, answer);
    renderConnection();
  }
}

async function sync() {
  await flushQueue();
  await refreshLists();
  await refreshOfflineData();
}

// ---- a scan ----------------------------------------------------------------------------------

function seen(text) {
  const now = Date.now();
  const last = state.lastSeen.get(text);
  if (last !== undefined && now - last < SAME_CODE_MS) {
    state.lastSeen.set(text, now); // still in view: wait until it has been away for a while
    return;
  }
  if (state.busy || !$("answer").hidden) return;
  state.lastSeen.set(text, now);
  for (const [code, at] of state.lastSeen) if (now - at > 60_000) state.lastSeen.delete(code);
  const secret = secretFrom(text);
  if (!secret) {
    show({ status: "error", reason: "not_a_ticket", message: t("not_a_ticket") });
    return;
  }
  check({ secret });
}

/**
 * Check a ticket by its secret (the camera, a typed code, the server's search) or, when it was
 * found by name in the list kept on the phone, by the SHA-256 that list keeps instead.
 */
async function check({ secret = null, hash: known = null }) {
  state.busy = true;
  try {
    if (!state.list) await state.started; // the first scan may come before the first list
    if (!state.list || !state.data) {
      return show({ status: "error", reason: "no_list", message: t("no_list_chosen") });
    }
    const hash = known ?? await sha256Hex(secret);
    const body = {
      list: state.list, type: state.type, nonce: newNonce(), scanned_at: localIsoNow(), offline: false,
      ...(secret ? { secret } : { ticket_hash: hash }),
    };
    const queued = () => queue.items().some((item) => item.hash === hash);
    let answer = null;
    // Once the server has failed to answer, scans are decided here without waiting for it again
    // until a background call (lists every 10 s, the queue every 15 s) reaches it.
    if (online()) {
      // The server must see this ticket's earlier offline scans first.
      if (queued()) await flushQueue();
      if (!queued()) {
        try {
          answer = await api.redeem(body);
          setReachable(true);
          refreshLists();
        } catch (error) {
          if (error instanceof api.NotConnected) return disconnect(true);
          if (error instanceof api.Refused) {
            return show({ status: "error", reason: "refused", message: t("server_refused_request", { message: error.message }) });
          }
          setReachable(false);
        }
      }
    }
    const offline = answer === null;
    if (offline) {
      body.offline = true;
      answer = state.data.decide(hash, body.type);
      if (answer.status === "ok") {
        queue.push({ body, hash, list: body.list, token: api.deviceToken(), queued_at: Date.now() });
        renderConnection();
      }
    }
    if (answer.status === "ok") {
      state.data.mark(hash, body.type === "entry" ? "in" : "out", body.scanned_at);
    } else if (answer.reason === "already_checked_in" && !offline) {
      state.data.mark(hash, "in", answer.first_checkin?.at ?? body.scanned_at);
    }
    addHistory(body, answer, offline);
    show(answer, { offline, type: body.type });
  } finally {
    state.busy = false;
  }
}

function kindOf(answer) {
  if (answer.status === "ok") return "ok";
  return answer.reason === "already_checked_in" ? "warn" : "error";
}

function show(answer, { offline = false, type = "entry" } = {}) {
  const kind = kindOf(answer);
  const attendee = answer.attendee ?? {};
  const panel = $("answer");
  panel.className = `answer ${kind}`;
  $("answer-title").textContent = t(kind === "ok" && type === "exit" ? "title_exit" : `title_${kind}`);
  $("answer-name").textContent = attendee.name ?? "";
  $("answer-organisation").textContent = attendee.organisation ?? "";
  // On a bus or visit list the server names the delegate's bus; a wrong bus is named in the message.
  $("answer-category").textContent = [attendee.category_label, kind === "ok" ? answer.bus : null].filter(Boolean).join(" · ");
  const title = $("answer-title").textContent;
  $("answer-message").textContent = answer.message && answer.message !== title ? answer.message : "";
  const first = kind === "ok" ? null : answer.first_checkin;
  $("answer-first").textContent = first?.at
    ? t(first.device ? "first_checkin_at_device" : "first_checkin", { time: clock(first.at), device: first.device }) : "";
  $("answer-offline").hidden = !(offline && kind === "ok");
  panel.hidden = false;
  signal(kind);
  clearTimeout(state.dismissTimer);
  state.dismissTimer = setTimeout(dismiss, kind === "ok" ? SHOW_OK_MS : SHOW_REFUSAL_MS);
}

function dismiss() {
  clearTimeout(state.dismissTimer);
  $("answer").hidden = true;
}

// ---- recent scans ----------------------------------------------------------------------------

function addHistory(body, answer, offline) {
  state.history.unshift({
    nonce: body.nonce, at: body.scanned_at, kind: kindOf(answer), name: answer.attendee?.name ?? "",
    message: answer.message ?? "", note: offline && answer.status === "ok" ? { key: "history_queued" } : null,
  });
  state.history.length = Math.min(state.history.length, HISTORY_SIZE);
  write("history", state.history);
  renderHistory();
}

function settleHistory(nonce, answer) {
  const entry = state.history.find((item) => item.nonce === nonce);
  if (!entry) return;
  if (answer.status === "ok") {
    entry.note = { key: "history_sent" };
  } else {
    entry.kind = kindOf(answer);
    entry.note = { key: "history_refused", message: answer.message };
  }
  write("history", state.history);
  renderHistory();
}

function renderHistory() {
  $("history-title").parentElement.hidden = !state.history.length;
  $("history").replaceChildren(...state.history.map((entry) => {
    const item = document.createElement("li");
    item.className = entry.kind;
    const time = document.createElement("time");
    time.dateTime = entry.at;
    time.textContent = clock(entry.at);
    const text = document.createElement("span");
    text.textContent = entry.name || entry.message;
    if (entry.name) {
      const message = document.createElement("span");
      message.className = "note";
      message.textContent = entry.message;
      text.append(message);
    }
    if (entry.note) {
      const note = document.createElement("span");
      note.className = "note";
      // Kept as words to look up, so that they follow a language switch (older entries kept text).
      note.textContent = typeof entry.note === "string" ? entry.note : t(entry.note.key, entry.note);
      text.append(note);
    }
    item.append(time, text);
    return item;
  }));
}

// ---- search for someone without their phone --------------------------------------------------

let searchTimer = null;

function clearSearch() {
  $("query").value = "";
  $("results").replaceChildren();
  $("search-note").textContent = "";
}

function resultButton(title, details, ticket) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "result";
  const name = document.createElement("strong");
  name.textContent = title;
  button.append(name);
  for (const line of details.filter(Boolean)) {
    const span = document.createElement("span");
    span.textContent = line;
    button.append(span);
  }
  button.addEventListener("click", () => {
    clearSearch();
    check(ticket);
  });
  const item = document.createElement("li");
  item.append(button);
  return item;
}

/** Someone found whom this list turns away: not a button, just who and why (another day, another bus). */
function turnedAwayItem(found) {
  const item = document.createElement("li");
  item.className = "turned-away";
  const name = document.createElement("strong");
  name.textContent = found.name;
  item.append(name);
  for (const line of [[found.organisation, found.category_label].filter(Boolean).join(" · "), found.message]) {
    if (!line) continue;
    const span = document.createElement("span");
    span.textContent = line;
    item.append(span);
  }
  return item;
}

function renderFound({ results, others = [] }, { offline }) {
  const found = results.length + others.length;
  $("search-note").textContent = !found ? t("nobody_found") : offline ? t("found_offline") : "";
  $("results").replaceChildren(
    ...results.map((person) => resultButton(person.name, [
      [person.organisation, person.category_label].filter(Boolean).join(" · "),
      person.checked_in_at ? t("already_in_at", { time: clock(person.checked_in_at) }) : "",
    ], person.secret ? { secret: person.secret } : { hash: person.hash })),
    ...others.map(turnedAwayItem));
}

async function runSearch() {
  const query = $("query").value.trim();
  const note = $("search-note");
  const results = $("results");
  const secret = secretFrom(query);
  if (secret) {
    note.textContent = "";
    results.replaceChildren(resultButton(t("check_ticket", { secret }), [], { secret }));
    return;
  }
  if (query.length < 2 || !state.list) {
    note.textContent = "";
    results.replaceChildren();
    return;
  }
  // Without a network the phone searches the list it keeps; with one, the server's fresher list.
  const kept = state.data?.available ? state.data : null;
  if (!online()) {
    if (kept) return renderFound(kept.search(query), { offline: true });
    note.textContent = t("no_kept_list_to_search");
    results.replaceChildren();
    return;
  }
  try {
    const answer = await api.search(state.list, query);
    setReachable(true);
    if ($("query").value.trim() !== query) return; // a newer search is on its way
    renderFound(answer, { offline: false });
  } catch (error) {
    failed(error);
    if (error instanceof api.Unreachable && kept) return renderFound(kept.search(query), { offline: true });
    note.textContent = t(error instanceof api.Unreachable ? "search_unreachable" : "search_failed");
  }
}

// ---- the page --------------------------------------------------------------------------------

function disconnect(revoked) {
  const stuck = queue.items().filter((item) => item.token === api.deviceToken()).length;
  if (revoked) localStorage.removeItem(api.TOKEN_KEY);
  state.timers.forEach(clearInterval);
  state.scanner?.stop();
  dismiss();
  $("scanner").hidden = true;
  $("not-connected").hidden = false;
  state.revoked = { revoked, stuck: revoked ? stuck : 0 };
  renderNotConnected();
  $("connection").hidden = true;
}

function renderNotConnected() {
  if (!state.revoked) return;
  const { revoked, stuck } = state.revoked;
  if (revoked) {
    $("not-connected-title").textContent = t("revoked_title");
    $("not-connected-text").textContent = t("revoked_text");
  }
  $("queue-stuck").hidden = !stuck;
  $("queue-stuck").textContent = stuck ? plural("queue_stuck", stuck) : "";
}

async function startCamera() {
  const note = $("camera-note");
  state.scanner ??= new Scanner($("video"), seen);
  try {
    await state.scanner.start();
    state.cameraError = undefined;
    note.hidden = true;
    $("viewport").hidden = false;
  } catch (error) {
    // No black box where there is no picture: say why; the search below does the work instead.
    state.cameraError = error;
    $("viewport").hidden = true;
    renderCameraNote();
    note.hidden = false;
  }
}

function renderCameraNote() {
  if (state.cameraError !== undefined) $("camera-note").textContent = cameraProblem(state.cameraError);
}

// ---- the language ----------------------------------------------------------------------------

/** The page's words in the current language; what the page wrote itself is written anew. */
function renderLanguage() {
  translatePage();
  $("language").lang = language() === "ru" ? "en" : "ru"; // the button names the other language in it
  renderNotConnected();
  if ($("scanner").hidden) return;
  renderDevice();
  renderLists();
  renderConnection();
  renderHistory();
  renderCameraNote();
  if ($("query").value.trim()) runSearch();
}

function switchLanguage() {
  const code = language() === "ru" ? "en" : "ru";
  if (!chooseLanguage(code) && navigator.onLine) {
    // An older cookie the page may not rewrite: the site's own switch replaces it and comes back here.
    location.assign(`/lang/${code}?next=/scan`);
    return;
  }
  dismiss();
  renderLanguage();
  // List titles and the kept list's reasons come from the server in the language of the cookie.
  if (!$("scanner").hidden) sync();
}

function keepScreenOn() {
  navigator.wakeLock?.request("screen").catch(() => {});
}

function renderType() {
  for (const button of document.querySelectorAll(".toggle")) {
    button.setAttribute("aria-pressed", String(button.dataset.type === state.type));
  }
  $("exit-banner").hidden = state.type !== "exit";
}

function renderSound() {
  $("sound").hidden = !soundLocked();
}

function bind() {
  $("language").addEventListener("click", switchLanguage);
  $("list").addEventListener("change", (event) => chooseList(event.target.value));
  for (const button of document.querySelectorAll(".toggle")) {
    button.addEventListener("click", () => {
      state.type = button.dataset.type;
      write("type", state.type);
      renderType();
    });
  }
  $("answer").addEventListener("click", dismiss);
  document.addEventListener("keydown", (event) => {
    if (!$("answer").hidden && (event.key === "Escape" || event.key === "Enter")) dismiss();
  });
  // Sound starts with the first touch anywhere; the button is there to say so.
  document.addEventListener("pointerdown", () => unlockSound().then(renderSound), { capture: true });
  $("query").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 300);
  });
  window.addEventListener("online", () => {
    state.reachable = true;
    renderConnection();
    sync();
  });
  window.addEventListener("offline", () => setReachable(false));
  document.addEventListener("visibilitychange", () => {
    if (document.hidden || $("scanner").hidden) return;
    keepScreenOn();
    if (state.scanner?.ended) startCamera();
    sync();
  });
}

function main() {
  renderLanguage();
  if (!api.deviceToken()) {
    $("language").addEventListener("click", switchLanguage);
    disconnect(false);
    return;
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/scan" }).catch((error) => console.warn(error));
  }
  $("scanner").hidden = false;
  if (state.list) state.data = new ListData(state.list);
  renderDevice();
  renderLists();
  renderType();
  renderHistory();
  renderConnection();
  renderSound();
  bind();
  keepScreenOn();
  startCamera();
  state.started = sync();
  state.timers = [
    setInterval(() => navigator.onLine && refreshLists(), LISTS_EVERY_MS),
    setInterval(() => navigator.onLine && refreshOfflineData(), OFFLINE_DATA_EVERY_MS),
    setInterval(() => queue.items().length && navigator.onLine && flushQueue(), QUEUE_RETRY_MS),
  ];
}

main();
