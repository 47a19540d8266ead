// The staff tablet's service worker (docs/tablet.md), served from /tablet/sw.js with scope
// /tablet/. It keeps the app shell (page, stylesheet, script) so /tablet/ opens without
// network. Network first with a short timeout (bad wifi), then the cached copy; a good answer
// from the network refreshes the cache. API calls and login are never cached here: they pass
// straight through (the app keeps the day route and the outbox itself).
"use strict";

const CACHE = "sb-tablet-shell-v5";
const SHELL = [
  "/tablet/", "/static/dkfds/css/dkfds.min.css", "/static/tablet/tablet.css",
  "/static/ui/guidance.js", "/static/ui/ui.js",
  "/static/ui/texts.da.js", "/static/ui/texts.en.js",
  ...["app", "api", "data", "dom", "form", "items", "outbox", "texts", "vault", "views"]
    .map((name) => `/static/tablet/${name}.js`),
];
const TIMEOUT_MS = 3000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "no-cache" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("sb-tablet-") && key !== CACHE)
        .map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

function shellKey(request) {
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") return null;
  if (request.mode === "navigate" && url.pathname === "/tablet/") return "/tablet/";
  return SHELL.includes(url.pathname) ? url.pathname : null;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); });
  });
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(request).then((response) => {
    if (response.ok && response.type === "basic") cache.put(key, response.clone());
    return response;
  });
  try {
    return await withTimeout(fromNetwork, TIMEOUT_MS);
  } catch (error) {
    fromNetwork.catch(() => undefined); // a late answer still refreshes the cache
    const cached = await cache.match(key);
    if (cached) return cached;
    return fromNetwork;
  }
}

self.addEventListener("fetch", (event) => {
  const key = shellKey(event.request);
  if (key) event.respondWith(networkFirst(event.request, key));
});
