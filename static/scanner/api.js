// The check-in API as the phone sees it: every call carries the device token, and a call ends
// in an answer, a refusal of the token, a refusal of the request, or no answer at all.

export const TOKEN_KEY = "events.device_token";
const TIMEOUT_MS = 8000;

/** 401: the phone has no token, or the organiser disconnected it. */
export class NotConnected extends Error {}

/** No usable answer: no network, a timeout, or a server that is down. Worth trying again. */
export class Unreachable extends Error {}

/** The server understood the request and refused it; sending it again will not help. */
export class Refused extends Error {
  constructor(status, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
  }
}

export function deviceToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export async function call(path, { method = "GET", body, token = deviceToken(), timeout = TIMEOUT_MS } = {}) {
  if (!token) throw new NotConnected("no token");
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, cache: "no-store", signal: controller.signal,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new Unreachable(error.message);
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 401) throw new NotConnected("token refused");
  // A proxy in front of a stopped service answers 502–504; a busy one 429: both pass.
  if (response.status === 429 || response.status >= 500) throw new Unreachable(`HTTP ${response.status}`);
  let data;
  try {
    data = await response.json();
  } catch {
    throw new Unreachable("the answer is not JSON");
  }
  if (!response.ok) throw new Refused(response.status, data?.error?.message);
  return data;
}

export const lists = () => call("/api/v1/checkin/lists");

export const offlineData = (list) => call(`/api/v1/checkin/lists/${encodeURIComponent(list)}/offline`);

// A scan at the door waits less: without an answer in time it is decided offline, and the queued
// copy carries the same nonce, so a request that did arrive is not counted twice.
export const redeem = (body, { token, timeout = 3500 } = {}) =>
  call("/api/v1/checkin/redeem", { method: "POST", body, token: token ?? deviceToken(), timeout });

export const search = (list, query) =>
  call(`/api/v1/checkin/search?list=${encodeURIComponent(list)}&q=${encodeURIComponent(query)}`);
