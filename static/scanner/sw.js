// The scanner's service worker: keeps the page shell so that the door scanner opens without a
// network. Served as /sw.js and registered for the /scan scope only; the API is never cached.
// Network first, so a deployed change arrives on the next load; the copy is for when there is none.
const CACHE = "scanner-v2"; // a new number whenever SHELL changes, so phones fetch the new list
const SHELL = [
  "/scan",
  "/manifest.webmanifest",
  "/static/scanner/scan.css",
  "/static/scanner/scan.js",
  "/static/scanner/api.js",
  "/static/scanner/camera.js",
  "/static/scanner/feedback.js",
  "/static/scanner/offline.js",
  "/static/scanner/words.js",
  "/static/scanner/icon.svg",
  "/static/scanner/icon-192.png",
  "/static/scanner/icon-512.png",
  "/static/scanner/icon-maskable-512.png",
  "/static/vendor/qr-0.7.0/decode.js",
  "/static/vendor/qr-0.7.0/index.js",
];
const NETWORK_WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("scanner-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) return;
  event.respondWith(networkFirst(url.origin + url.pathname, event.request));
});

async function networkFirst(key, request) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(request).then((response) => {
    if (response.ok) cache.put(key, response.clone());
    return response;
  });
  fromNetwork.catch(() => {}); // a failure is handled below; a late one needs no handling
  // A venue network that hangs rather than fails should not keep the door waiting.
  const late = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, null));
  let response = null;
  try {
    response = await Promise.race([fromNetwork, late]);
  } catch {
    // no network: the kept copy below
  }
  if (response && response.status < 500) return response;
  return (await cache.match(key)) ?? response ?? fromNetwork;
}
