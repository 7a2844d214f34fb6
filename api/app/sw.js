// Hadir phone app service worker: keeps the shell on the phone (cache first) so the app opens
// offline. It never touches /api/ requests: they always go to the network.
const VERSION = "__HADIR_APP_VERSION__";
const CACHE = `hadir-app-${VERSION}`;
const SHELL = [
  "/app",
  "/app/app.js",
  "/app/app.css",
  "/app/manifest.webmanifest",
  "/app/icon-192.png",
  "/app/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

// Old shells go when a new version takes over.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith("hadir-app-") && key !== CACHE).map((key) => caches.delete(key)),
      ))
      .then(() => self.clients.claim()),
  );
});

/** The shell file a request asks for, or null for anything else. */
function shellPath(request) {
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return null;
  const path = url.pathname === "/app/" || url.pathname === "/app/index.html" ? "/app" : url.pathname;
  return SHELL.includes(path) ? path : null;
}

self.addEventListener("fetch", (event) => {
  const path = shellPath(event.request);
  if (!path) return; // /api/ and everything else: straight to the network
  event.respondWith(
    caches.open(CACHE).then((cache) => cache.match(path).then((hit) => hit || fetch(event.request))),
  );
});
