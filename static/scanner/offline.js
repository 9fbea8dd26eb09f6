// What the phone keeps so the door keeps working without a network: each list's tickets (SHA-256
// of the secret, name, organisation) and the people it turns away (with why), the admissions made
// here since the last download, and the queue of offline admissions waiting to be sent. All of it
// lives in localStorage under "events.".

import { t } from "./words.js";

const PREFIX = "events.";
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const SECRET = new RegExp(`^[${ALPHABET}]{26}$`);
// The same rule as events_app/domain/tickets.secret_from_scan: a bare secret or a URL ending in /t/<secret>.
const FROM_URL = /\/t\/([A-Za-z0-9]+)\/?(?:[?#].*)?$/;

export function read(key, fallback) {
  try {
    const value = localStorage.getItem(PREFIX + key);
    return value === null ? fallback : JSON.parse(value);
  } catch {
    return fallback;
  }
}

export function write(key, value) {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
    return true;
  } catch (error) {
    console.warn(`could not keep ${key}`, error);
    return false;
  }
}

/** The ticket secret in a scanned text, or null when the code is not a ticket. */
export function secretFrom(text) {
  const trimmed = String(text).trim();
  const match = FROM_URL.exec(trimmed);
  const candidate = (match ? match[1] : trimmed).toUpperCase();
  return SECRET.test(candidate) ? candidate : null;
}

export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function newNonce() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Now as ISO 8601 with the phone's own offset, e.g. 2026-12-17T09:41:07.250+03:00. */
export function localIsoNow(now = new Date()) {
  const pad = (n, width = 2) => String(Math.abs(n)).padStart(width, "0");
  const offset = -now.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` +
    `T${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** A list's tickets as downloaded, with the admissions this phone made on top. */
export class ListData {
  constructor(name) {
    this.name = name;
    const saved = read(`offline.${name}`, null);
    this.generatedAt = saved?.generated_at ?? null;
    this.tickets = new Map((saved?.tickets ?? []).map((ticket) => [ticket.hash, ticket]));
    // People the list turns away, with the server's words for why (another day, another bus).
    this.refused = new Map((saved?.refused ?? []).map((person) => [person.hash, person]));
    this.marks = read(`marks.${name}`, {});
  }

  get available() {
    return this.generatedAt !== null;
  }

  /**
   * Keep a fresh download. Marks the server had before it was asked are in it now; marks still
   * queued, or made while the download was on its way, stay on top of it.
   */
  replace(download, { unsent, requestedAt }) {
    this.generatedAt = download.generated_at;
    this.tickets = new Map(download.tickets.map((ticket) => [ticket.hash, ticket]));
    this.refused = new Map((download.refused ?? []).map((person) => [person.hash, person]));
    this.marks = Object.fromEntries(Object.entries(this.marks).filter(
      ([hash, mark]) => unsent.has(hash) || mark.made >= requestedAt));
    write(`marks.${this.name}`, this.marks);
    return write(`offline.${this.name}`, download);
  }

  mark(hash, state, at) {
    this.marks[hash] = { state, at, made: Date.now() };
    write(`marks.${this.name}`, this.marks);
  }

  /** When the ticket last came in through this list, or null when it is not inside. */
  insideSince(hash) {
    const mark = this.marks[hash];
    if (mark) return mark.state === "in" ? mark.at : null;
    return this.tickets.get(hash)?.checked_in_at ?? null;
  }

  /** The answer the server would most likely give, decided here: the same shape as /redeem's. */
  decide(hash, type) {
    if (!this.available) {
      return refusal("no_offline_data", t("offline_no_data"));
    }
    const ticket = this.tickets.get(hash);
    const turnedAway = this.refused.get(hash);
    if (!ticket && turnedAway) {
      return { ...refusal(turnedAway.reason, turnedAway.message), attendee: attendeeOf(turnedAway) };
    }
    if (!ticket) {
      return refusal("unknown_ticket", t("offline_unknown_ticket"));
    }
    const attendee = attendeeOf(ticket);
    if (type === "exit") {
      return { status: "ok", reason: null, message: t("offline_in_list"), attendee, first_checkin: null };
    }
    const since = this.insideSince(hash);
    if (since) {
      return {
        status: "error", reason: "already_checked_in", message: t("offline_already_in"),
        attendee, first_checkin: { at: since, device: null },
      };
    }
    return { status: "ok", reason: null, message: t("offline_in_list"), attendee, first_checkin: null };
  }

  /**
   * The server's search done on the kept list: every word in the name or the organisation. Those
   * the list admits come with their hash (to admit them by it), the others with why not.
   */
  search(text, limit = 20) {
    const words = text.toLocaleLowerCase("ru").split(/\s+/).filter(Boolean).slice(0, 4);
    const matches = (person) => {
      const haystack = `${person.name} ${person.organisation}`.toLocaleLowerCase("ru");
      return words.length > 0 && words.every((word) => haystack.includes(word));
    };
    return {
      results: [...this.tickets.values()].filter(matches).slice(0, limit)
        .map((ticket) => ({ ...ticket, checked_in_at: this.insideSince(ticket.hash) })),
      others: [...this.refused.values()].filter(matches).slice(0, limit),
    };
  }
}

function attendeeOf(person) {
  return {
    name: person.name, organisation: person.organisation, category: person.category,
    category_label: person.category_label ?? person.category,
  };
}

function refusal(reason, message) {
  return { status: "error", reason, message, attendee: null, first_checkin: null };
}

/** Offline admissions in the order they happened, each with the token it was made under. */
export const queue = {
  items: () => read("queue", []),
  push(item) {
    const items = read("queue", []);
    items.push(item);
    return write("queue", items);
  },
  dropFirst() {
    const items = read("queue", []);
    items.shift();
    write("queue", items);
  },
};
