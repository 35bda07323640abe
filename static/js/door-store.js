/*
 * What a phone at the door keeps, in IndexedDB ("convene-door"), for the register's
 * script (door.js) and its service worker (door-worker.js) alike:
 *
 *   registers  one record per register page, by its path: the session's people and
 *              ticket codes (what the door needs, nothing more), the words door.js
 *              says by itself, the rows last seen, and when the session's day ends;
 *   queue      what the helper did that the server has not confirmed yet: one record
 *              per action, by its idempotency key, with its register's path;
 *   phone      this phone's random id and the name its team gave it.
 *
 * `forgetEnded` drops the registers whose day is over, and the pages the worker kept
 * for them; queued actions stay until they are sent. Logging out wipes it all (the
 * server answers with Clear-Site-Data).
 */
(function (scope) {
  "use strict";

  var NAME = "convene-door";
  var VERSION = 1;
  /* The worker's caches are named this, then their version. */
  var CACHE_PREFIX = "convene-door-";
  var opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = scope.indexedDB.open(NAME, VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("registers", { keyPath: "path" });
          db.createObjectStore("queue", { keyPath: "key" });
          db.createObjectStore("phone", { keyPath: "name" });
        };
        request.onsuccess = function () {
          var db = request.result;
          // Someone deletes the database (the site's data cleared): let go of it.
          db.onversionchange = function () {
            db.close();
            opening = null;
          };
          resolve(db);
        };
        request.onerror = function () {
          opening = null;
          reject(request.error);
        };
      });
    }
    return opening;
  }

  /* One transaction on one store; resolves with what `work`'s request gave. */
  function run(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(name, mode);
        var request = work(transaction.objectStore(name));
        transaction.oncomplete = function () {
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = transaction.onabort = function () {
          reject(transaction.error);
        };
      });
    });
  }

  function get(name, key) {
    return run(name, "readonly", function (store) {
      return store.get(key);
    });
  }

  function all(name) {
    return run(name, "readonly", function (store) {
      return store.getAll();
    });
  }

  function put(name, value) {
    return run(name, "readwrite", function (store) {
      return store.put(value);
    });
  }

  function remove(name, key) {
    return run(name, "readwrite", function (store) {
      return store.delete(key);
    });
  }

  /* The page kept for a register, in every cache of the worker. */
  function forgetPage(path) {
    if (!scope.caches) {
      return Promise.resolve();
    }
    return scope.caches.keys().then(function (names) {
      return Promise.all(
        names
          .filter(function (name) {
            return name.indexOf(CACHE_PREFIX) === 0;
          })
          .map(function (name) {
            return scope.caches.open(name).then(function (cache) {
              return cache.delete(path);
            });
          })
      );
    });
  }

  /* Forget every register whose session's day is over by `now` (milliseconds). */
  function forgetEnded(now) {
    return all("registers").then(function (registers) {
      return Promise.all(
        registers
          .filter(function (register) {
            return register.expires <= now;
          })
          .map(function (register) {
            return remove("registers", register.path).then(function () {
              return forgetPage(register.path);
            });
          })
      );
    });
  }

  scope.ConveneDoorStore = {
    CACHE_PREFIX: CACHE_PREFIX,
    get: get,
    all: all,
    put: put,
    remove: remove,
    forgetEnded: forgetEnded,
  };
})(self);
