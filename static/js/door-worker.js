/*
 * The door's service worker. door.py serves it (`worker`) with DOOR written above:
 * its version, the files it keeps (`shell`), the store's script, and the pattern of
 * every register's path.
 *
 * It keeps, in a cache named by its version:
 *   - the files the register needs, fetched when it installs;
 *   - register pages, and no other page: one is kept when door.js asks ("keep") or
 *     when the phone visits it, and only when the server marked it as one to keep
 *     (X-Door-Keep: the register, without a message meant for one moment).
 * Both are served network first: the network's answer whenever it comes within a
 * few seconds (and kept for next time), the kept copy otherwise. So nothing kept is
 * served while the network answers, and a deploy (a new version: any kept file
 * changed) installs a worker whose cache starts afresh, pages fetched anew, and the
 * old cache is deleted.
 * A register whose session's day is over is forgotten (door-store.js), page and all.
 */
/* global DOOR */
"use strict";

importScripts(DOOR.store);

var store = self.ConveneDoorStore;
var CACHE = store.CACHE_PREFIX + DOOR.version;
var REGISTER = new RegExp(DOOR.registers);
/* How long to wait for the network before answering with what is kept. */
var WAIT_MS = 4000;

function isKept(response) {
  return response.ok && !response.redirected && response.headers.get("X-Door-Keep") === "1";
}

function isFile(response) {
  return response.ok;
}

/* Fetch a register page afresh and keep it, if the server says it may be kept. */
function keepPage(path) {
  return fetch(path, { credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      if (isKept(response)) {
        return caches.open(CACHE).then(function (cache) {
          return cache.put(path, response);
        });
      }
      return undefined;
    })
    .catch(function () {
      return undefined; // offline: the page stays as it was kept, if it was
    });
}

/* The pages an older version kept, fetched anew into this one (copied when the
   network does not answer). */
function takePagesOver(cache) {
  return caches.keys().then(function (names) {
    var older = names.filter(function (name) {
      return name.indexOf(store.CACHE_PREFIX) === 0 && name !== CACHE;
    });
    return Promise.all(
      older.map(function (name) {
        return caches.open(name).then(function (old) {
          return old.keys().then(function (requests) {
            return Promise.all(
              requests
                .map(function (request) {
                  return new URL(request.url).pathname;
                })
                .filter(function (path) {
                  return REGISTER.test(path);
                })
                .map(function (path) {
                  return keepPage(path)
                    .then(function () {
                      return cache.match(path);
                    })
                    .then(function (fresh) {
                      if (fresh) {
                        return undefined;
                      }
                      return old.match(path).then(function (copy) {
                        return copy && cache.put(path, copy);
                      });
                    });
                })
            );
          });
        });
      })
    );
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        var files = DOOR.shell.map(function (url) {
          return new Request(url, { cache: "reload" });
        });
        return cache.addAll(files).then(function () {
          return takePagesOver(cache);
        });
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf(store.CACHE_PREFIX) === 0 && name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return store.forgetEnded(Date.now());
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function keptPage(path) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(path);
  });
}

/* door.js asks the worker to keep its register ({keep: path}, with a port for the
   answer): kept already (the visit kept it), or fetched now. */
self.addEventListener("message", function (event) {
  var path = event.data && event.data.keep;
  var port = event.ports[0];
  if (typeof path !== "string" || !REGISTER.test(path) || !port) {
    return;
  }
  event.waitUntil(
    keptPage(path)
      .then(function (copy) {
        return (
          copy ||
          keepPage(path).then(function () {
            return keptPage(path);
          })
        );
      })
      .then(function (copy) {
        port.postMessage({ kept: !!copy });
      })
  );
});

/* Whether the register at `path` may still be served from what is kept: not once
   its session's day is over (then it is forgotten). */
function stillKept(path) {
  return store
    .forgetEnded(Date.now())
    .then(function () {
      return keptPage(path);
    })
    .catch(function () {
      return undefined;
    });
}

/* The network's answer if it comes within WAIT_MS (kept when `keep` says so), else
   what is kept under `key`; the network's, however long it takes, if nothing is.
   The worker stays up until the copy is kept. */
function networkFirst(event, key, keep, kept) {
  var keeping = [];
  var network = fetch(event.request).then(function (response) {
    if (keep(response)) {
      var copy = response.clone();
      keeping.push(
        caches.open(CACHE).then(function (cache) {
          return cache.put(key, copy);
        })
      );
    }
    return response;
  });
  event.waitUntil(
    network
      .then(function () {
        return Promise.all(keeping);
      })
      .catch(function () {
        return undefined;
      })
  );
  return new Promise(function (resolve) {
    var answered = false;
    function answer(response) {
      if (!answered && response) {
        answered = true;
        resolve(response);
      }
    }
    var timer = setTimeout(function () {
      kept(key).then(answer);
    }, WAIT_MS);
    network.then(
      function (response) {
        clearTimeout(timer);
        answer(response);
      },
      function () {
        clearTimeout(timer);
        kept(key).then(function (response) {
          answer(response || Response.error());
        });
      }
    );
  });
}


self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" && REGISTER.test(url.pathname)) {
    // A search (?q=) is not kept; offline, it gets the register itself.
    var keep = url.search ? function () {
      return false;
    } : isKept;
    event.respondWith(networkFirst(event, url.pathname, keep, stillKept));
  } else if (DOOR.shell.indexOf(url.pathname) !== -1) {
    event.respondWith(networkFirst(event, url.pathname, isFile, keptPage));
  }
});
