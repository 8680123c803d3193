// 网淘's service worker. It keeps only the offline page and the static files:
// never a signed-in page or an API answer (they hold names and contacts).
var CACHE = "wangtao-{{ version }}";
var OFFLINE = "{{ offline }}";
var PRECACHE = {{ precache | safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // Fetched without the cookie: the stored copy belongs to no account.
    return cache.addAll(PRECACHE.map(function (url) {
      return new Request(url, {credentials: "omit"});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;  // forms go to the network as they are
  }
  if (request.mode === "navigate") {
    // Network first, always fresh; the friendly page only when it fails.
    event.respondWith(fetch(request).catch(function () {
      return caches.match(OFFLINE);
    }));
    return;
  }
  var url = new URL(request.url);
  if (url.origin === self.location.origin && PRECACHE.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname).then(function (kept) {
      return kept || fetch(request);
    }));
  }
  // Everything else (API answers, pages fetched by scripts) is left alone.
});
