/*
 * The register at the door, with or without a network: on a phone whose browser has
 * service workers, this takes the register's taps, scans and check-outs over from
 * register.js (whose helpers it uses).
 *
 * Every action goes into a queue on the phone first (door-store.js), with a key of
 * its own, the phone's clock time and the helper, and is sent to the server at once
 * (door.py's `sync`): online, the server's answer is shown, as before. When it cannot
 * be sent, the phone answers by itself from what it keeps of the session (its people
 * and their ticket codes, fetched from `phone_data` whenever the page opens online),
 * marks the rows as "saved on this phone, not yet sent", and says how many wait. The
 * queue is sent when the network is back (and by "Send now"); the server applies each
 * action once, whatever order and however often it comes, and answers what became of
 * it: a conflict (two phones let the same person in while offline), a later mark that
 * stands, a refusal; those are listed on the page.
 *
 * While online, the phone asks every few seconds for the marks others changed
 * (`changes`), so that a ticket scanned on one phone shows on the others. The rows
 * last seen are kept too, so that the page the worker serves offline (door-worker.js)
 * shows them. Every sentence comes from the server, in the page's language.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-register][data-door]");
  var page = window.ConveneRegister;
  var store = window.ConveneDoorStore;
  if (
    !root ||
    !page ||
    !store ||
    !("serviceWorker" in navigator) ||
    !window.indexedDB ||
    !window.crypto ||
    !window.crypto.randomUUID
  ) {
    return;
  }

  var door = JSON.parse(root.getAttribute("data-door"));
  var POLL_MS = 3000; // how often to ask for others' changes while online
  var SEND_WAIT_MS = 8000; // a request longer than this is taken as no network
  var FRESH_WAIT_MS = 1500; // how long a check-out waits for the latest marks
  var SAVE_AFTER_MS = 2000; // the rows seen are kept at most this often
  var BATCH = 100; // actions in one request (door.py: DOOR_BATCH)
  var NOTES = 10; // answers kept in the list of those that need a look

  var bar = root.querySelector("[data-door-bar]");
  var status = root.querySelector("[data-door-status]");
  var sendButton = root.querySelector("[data-door-send]");
  var notes = root.querySelector("[data-door-notes]");
  var phonePanel = root.querySelector("[data-door-phone-panel]");
  var phoneName = root.querySelector("[data-door-phone]");
  var offlineReady = root.querySelector("[data-door-ready]");
  var counts = document.getElementById("register-counts");
  var conflicts = document.getElementById("door-conflicts");
  var tokenInput = root.querySelector('input[name="csrf_token"]');

  var register = null; // this register as the phone keeps it (door-store.js)
  var phone = null; // {name: "phone", id, label}
  var queue = []; // every action waiting, for every register, oldest first
  var serverRows = {}; // each row as the server last rendered it, by attendee id
  var serverCounts = counts ? counts.innerHTML : "";
  var awaited = {}; // keys of the actions whose answer someone waits for
  var answered = {}; // the server's answers to those, by key
  var sending = null; // the sending under way
  var trouble = null; // why the last sending failed: "offline", "failed", "log_in" or "limited"
  var retryTimer = null; // sends again once the door's limit allows
  var started = false; // the phone has its copy of the register and works the page
  var justSent = false;
  var saveTimer = null;

  /* Words and answers ---------------------------------------------------------- */

  function say(name, values) {
    return register.words[name].replace(/\{(\w+)\}/g, function (whole, key) {
      return values && key in values ? String(values[key]) : whole;
    });
  }

  function clock(milliseconds) {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      hour: "numeric",
      minute: "2-digit",
      timeZone: register.data.session.timezone,
    }).format(new Date(milliseconds));
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) {
      made.className = className;
    }
    if (text) {
      made.textContent = text;
    }
    return made;
  }

  /* An answer as the server draws it (attendance/_answer.html). */
  function answer(tone, icon, title, detail) {
    var box = element("div", "answer answer--" + tone);
    var symbol = element("span", "answer__icon", icon);
    symbol.setAttribute("aria-hidden", "true");
    var words = element("div", "answer__words");
    words.appendChild(element("p", "answer__title", title));
    if (detail) {
      words.appendChild(element("p", "answer__detail", detail));
    }
    box.appendChild(symbol);
    box.appendChild(words);
    return box;
  }

  function tell(regionId, node) {
    var region = document.getElementById(regionId);
    if (region) {
      region.replaceChildren(node);
    }
  }

  /* People, as the phone knows them -------------------------------------------- */

  var ATTENDED = ["present", "late"];

  function attended(state) {
    return ATTENDED.indexOf(state) !== -1;
  }

  function here() {
    return queue.filter(function (action) {
      return action.path === door.register;
    });
  }

  /* Actions the phone answered by itself, not yet sent. */
  function held() {
    return here().filter(function (action) {
      return action.held;
    });
  }

  function touches(action, id) {
    return action.attendee === id || (action.party || []).indexOf(id) !== -1;
  }

  /* A person as the server last said, with what this phone did since on top. */
  function known(id) {
    var base = register.people[id];
    if (!base) {
      return null;
    }
    var person = Object.assign({}, base);
    held().forEach(function (action) {
      var mine = { at: action.at, by: register.data.helper.name };
      if (action.kind === "scan" && action.admitted.indexOf(id) !== -1) {
        Object.assign(person, mine, { state: "present" });
      } else if (action.kind === "mark" && action.attendee === id) {
        Object.assign(person, mine, { state: action.state });
      } else if (action.kind === "check_out" && action.attendee === id) {
        person.left = true;
        person.collector = action.collector;
      }
    });
    return person;
  }

  function today() {
    var day = register.data.session.day;
    var now = Date.now();
    return now >= day[0] && now < day[1];
  }

  /* A code as the server lists tickets' codes (door.py: door_key). */
  function doorKey(code) {
    var key = code.replace(/[\s-]+/g, "").toUpperCase();
    var prefix = register.data.prefix.toUpperCase();
    key = key.indexOf(prefix) === 0 ? key.slice(prefix.length) : key;
    return key.replace(/O/g, "0").replace(/[IL]/g, "1");
  }

  function ticketFor(code) {
    var key = doorKey(code);
    return (
      register.data.tickets.find(function (ticket) {
        return ticket.codes.indexOf(key) !== -1;
      }) || null
    );
  }

  function names(people) {
    return people
      .map(function (person) {
        return person.name;
      })
      .join(", ");
  }

  /* What the phone would answer by itself; `keep`: whether it may hold the action
     until it can be sent (a scan only when it lets someone in). */
  function judgeScan(code) {
    var ticket = ticketFor(code);
    if (!ticket) {
      return { answer: answer("bad", "?", say("unknown"), say("unknown_detail")) };
    }
    if (!today()) {
      return {
        party: ticket.party,
        answer: answer("bad", "◷", say("not_today"), say("not_today_detail")),
      };
    }
    var party = ticket.party.map(known).filter(Boolean);
    var missing = party.filter(function (person) {
      return !attended(person.state);
    });
    if (!missing.length) {
      var first = party.slice().sort(function (a, b) {
        return a.at - b.at;
      })[0];
      var already = say("already", { time: clock(first.at), who: first.by || say("someone") });
      return { party: ticket.party, answer: answer("again", "↻", already, names(party)) };
    }
    return {
      keep: true,
      party: ticket.party,
      admitted: missing.map(function (person) {
        return person.id;
      }),
      answer: answer("ok", "✓", say("checked_in", { names: names(missing) }), say("pending")),
    };
  }

  function judgeTap(id, state) {
    var person = known(id);
    var name = person ? person.name : "";
    var title = say("marked", { name: name, state: register.words.states[state] });
    if (person && person.state === state) {
      return { same: true, answer: answer("ok", "✓", title) };
    }
    var admitted = person && attended(state) && !attended(person.state) ? [id] : [];
    return { keep: true, admitted: admitted, answer: answer("ok", "✓", title, say("pending")) };
  }

  /* Rows, counts, conflicts ------------------------------------------------------ */

  function rowOf(id) {
    return document.getElementById("attendee-" + id);
  }

  /* Show on a row what this phone did that the server has not had yet. */
  function patchRow(id) {
    var row = rowOf(id);
    var person = known(id);
    if (!row || !person) {
      return;
    }
    var waiting = held().filter(function (action) {
      return touches(action, id);
    });
    var group = row.querySelector('[role="group"]');
    var note = row.querySelector(".door-pending");
    if (!waiting.length) {
      if (note && serverRows[id]) {
        page.replaceRow(id, serverRows[id]); // as the server last showed it
      }
      return;
    }
    row.querySelectorAll('[role="group"] > button').forEach(function (button) {
      var state = register.data.letters[button.name.charAt(0)];
      button.setAttribute("aria-pressed", state === person.state ? "true" : "false");
    });
    if (!note) {
      note = element("p", "door-pending");
      row.insertBefore(note, group);
    }
    var link = row.querySelector('a[href$="/check-out"]');
    if (person.left) {
      note.textContent =
        say("left", { name: person.name, collector: person.collector }) + " " + say("pending");
      if (link) {
        link.remove();
      }
    } else {
      note.textContent = say("pending");
      if (!link && group && person.child && attended(person.state)) {
        link = element("a", null, say("check_out"));
        link.href = "register/" + id + "/check-out";
        group.appendChild(link);
      }
    }
  }

  function showRows(rows, people) {
    (people || []).forEach(function (person) {
      register.people[person.id] = person;
    });
    Object.keys(rows || {}).forEach(function (id) {
      var row = rowOf(id);
      if (serverRows[id] === rows[id] && !(row && row.querySelector(".door-pending"))) {
        return; // sent again (a change just before the phone last asked): nothing new
      }
      serverRows[id] = rows[id];
      // A choice of collectors open in the row stays open, where it was.
      var open = row && row.querySelector(".door-collect");
      var focused = open && open.contains(document.activeElement) ? document.activeElement : null;
      page.replaceRow(id, rows[id]);
      patchRow(Number(id));
      if (open) {
        rowOf(id).appendChild(open);
        if (focused) {
          focused.focus();
        }
      }
    });
    page.filter();
  }

  /* The counts: the server's, or worked out here while actions wait on the phone. */
  function showCounts() {
    if (!counts) {
      return;
    }
    if (!held().length) {
      counts.innerHTML = serverCounts;
      return;
    }
    var tally = { present: 0, late: 0, absent: 0, excused: 0, unmarked: 0, "on-site": 0 };
    var ids = Object.keys(register.people);
    ids.forEach(function (id) {
      var person = known(Number(id));
      tally[person.state || "unmarked"] += 1;
      if (person.child && attended(person.state) && !person.left) {
        tally["on-site"] += 1;
      }
    });
    counts.querySelector(".register-count dd").textContent = ids.length;
    Object.keys(tally).forEach(function (name) {
      var cell = counts.querySelector(".register-count--" + name + " dd");
      if (cell) {
        cell.textContent = tally[name];
      }
    });
  }

  function showConflicts(html) {
    if (conflicts && html !== null && html !== undefined) {
      conflicts.innerHTML = html;
      conflicts.hidden = !html.trim();
    }
  }

  /* Say how many actions wait on the phone, and why, if sending failed. */
  function showQueue() {
    var lines = [];
    if (queue.length) {
      lines.push(say("waiting", { n: queue.length }));
      if (trouble && trouble !== "offline") {
        lines.push(say(trouble));
      }
    } else if (!navigator.onLine) {
      lines.push(say("offline"));
    } else if (justSent) {
      lines.push(say("sent"));
    }
    var text = lines.join(" ");
    if (status.textContent !== text) {
      status.textContent = text;
    }
    sendButton.hidden = !queue.length || !!sending;
  }

  function note(html) {
    var item = element("li");
    item.innerHTML = html;
    notes.insertBefore(item, notes.firstChild);
    while (notes.children.length > NOTES) {
      notes.lastChild.remove();
    }
  }

  /* The rows as last seen, for the page served offline (see `restore`). */
  function saveSoon() {
    if (saveTimer) {
      return;
    }
    saveTimer = window.setTimeout(function () {
      saveTimer = null;
      var list = root.querySelector(".register-list");
      register.snapshot = {
        at: register.cursor,
        rows: list
          ? Array.prototype.map.call(list.children, function (row) {
              var id = row.id.slice("attendee-".length);
              return [id, serverRows[id] || row.outerHTML];
            })
          : [],
        counts: serverCounts,
        conflicts: conflicts && !conflicts.hidden ? conflicts.innerHTML : "",
      };
      store.put("registers", register);
    }, SAVE_AFTER_MS);
  }

  /* A page older than the rows this phone saw since (the one the worker kept)
     shows those. */
  function restore() {
    var snapshot = register.snapshot;
    if (!snapshot || snapshot.at <= door.rendered) {
      return;
    }
    snapshot.rows.forEach(function (pair) {
      page.replaceRow(pair[0], pair[1]);
    });
    serverCounts = snapshot.counts || serverCounts;
    showConflicts(snapshot.conflicts);
  }

  /* Sending ------------------------------------------------------------------------ */

  /* What the server takes of an action (door.py: read_door_batch). */
  function wire(action) {
    var sent = {
      key: action.key,
      kind: action.kind,
      at: action.at,
      helper: action.helper,
      admitted: action.admitted,
    };
    if (action.kind === "scan") {
      sent.code = action.code;
    } else {
      sent.attendee = action.attendee;
    }
    if (action.kind === "mark") {
      sent.state = action.state;
    }
    if (action.kind === "check_out") {
      sent.collector = action.collector;
    }
    return sent;
  }

  function post(url, actions) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      signal: AbortSignal.timeout(SEND_WAIT_MS),
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": tokenInput ? tokenInput.value : "",
      },
      body: JSON.stringify({
        device: { id: phone.id, name: phone.label || "" },
        sent_at: Date.now(),
        actions: actions.map(wire),
      }),
    }).then(
      function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("application/json") !== -1) {
          return response.json();
        }
        // Over the door's limit: nothing was taken in; sent again when the server says.
        if (response.status === 429) {
          sendLater(Number(response.headers.get("Retry-After")) || 30);
          throw "limited";
        }
        // Logged out meanwhile: the server sends the login page instead.
        throw response.redirected || response.status === 401 || response.status === 403
          ? "log_in"
          : "failed";
      },
      function () {
        throw "offline";
      }
    );
  }

  function sendLater(seconds) {
    if (!retryTimer) {
      retryTimer = window.setTimeout(function () {
        retryTimer = null;
        send();
      }, seconds * 1000);
    }
  }

  /* The server's answer to a batch of this register. */
  function take(reply) {
    reply.results.forEach(function (result) {
      if (awaited[result.key]) {
        answered[result.key] = result;
      } else if (["conflict", "superseded", "refused"].indexOf(result.outcome) !== -1) {
        note(result.answer);
      }
    });
    showRows(reply.rows, reply.people);
    serverCounts = reply.counts || serverCounts;
    showConflicts(reply.conflicts);
    saveSoon();
  }

  /* Send what waits, a batch at a time (one register's), until nothing does. */
  function sendWaiting() {
    if (!queue.length) {
      return Promise.resolve();
    }
    var url = queue[0].sync;
    var batch = queue
      .filter(function (action) {
        return action.sync === url;
      })
      .slice(0, BATCH);
    return post(url, batch).then(
      function (reply) {
        var keys = batch.map(function (action) {
          return action.key;
        });
        trouble = null;
        window.clearTimeout(retryTimer);
        retryTimer = null;
        queue = queue.filter(function (action) {
          return keys.indexOf(action.key) === -1;
        });
        if (batch[0].path === door.register) {
          take(reply);
        }
        justSent = !queue.length;
        return Promise.all(
          keys.map(function (key) {
            return store.remove("queue", key);
          })
        ).then(sendWaiting);
      },
      function (why) {
        trouble = why;
      }
    );
  }

  function send() {
    if (!sending) {
      sending = sendWaiting().finally(function () {
        sending = null;
        showCounts();
        showQueue();
      });
    }
    return sending;
  }

  /* Do an action: queue it, send it, show the server's answer; or, when it cannot be
     sent, the phone's own, holding the action until it can (if `local.keep`). */
  function act(action, local, region, busy) {
    if (local.same) {
      tell(region, local.answer);
      return Promise.resolve();
    }
    Object.assign(action, {
      key: window.crypto.randomUUID(),
      at: Date.now(),
      helper: door.helper,
      path: door.register,
      sync: door.sync,
      admitted: [],
      party: action.party || [],
    });
    queue.push(action);
    awaited[action.key] = true;
    busy.setAttribute("aria-busy", "true");
    return store
      .put("queue", action)
      .then(function () {
        if (!navigator.onLine) {
          return undefined;
        }
        // A sending already under way may have started without this action.
        return send().then(function () {
          return queue.indexOf(action) !== -1 && !trouble ? send() : undefined;
        });
      })
      .then(function () {
        busy.removeAttribute("aria-busy");
        delete awaited[action.key];
        var reply = answered[action.key];
        if (reply) {
          delete answered[action.key];
          page.announce(region, reply.answer);
          return undefined;
        }
        if (!local.keep) {
          queue.splice(queue.indexOf(action), 1);
          tell(region, local.answer);
          return store.remove("queue", action.key);
        }
        action.held = true;
        action.admitted = local.admitted || [];
        tell(region, local.answer);
        return store.put("queue", action).then(function () {
          (action.attendee ? [action.attendee] : action.party).forEach(patchRow);
          showCounts();
          showQueue();
        });
      });
  }

  /* The register's forms, taken over ------------------------------------------------ */

  function scan(form) {
    var input = form.querySelector('input[name="code"]');
    var code = input.value.trim();
    if (!code) {
      input.focus();
      return Promise.resolve();
    }
    var local = judgeScan(code);
    var action = { kind: "scan", code: code, party: local.party };
    return act(action, local, "scan-answer", form).then(function () {
      form.reset();
      page.filter();
    });
  }

  function tap(button) {
    var state = register.data.letters[button.name.charAt(0)];
    var id = Number(button.name.slice(1));
    var action = { kind: "mark", attendee: id, state: state };
    return act(action, judgeTap(id, state), "register-status", button.closest("li"));
  }

  function takeOver(form, submitter) {
    var kind = form.getAttribute("data-door-act");
    if (kind === "scan") {
      return scan(form);
    }
    if (kind === "tap" && submitter && register.data.letters[submitter.name.charAt(0)]) {
      return tap(submitter);
    }
    return null;
  }

  /* A child's check-out: who may collect them, a button each, in their row. */
  function choose(row) {
    var id = Number(row.id.slice("attendee-".length));
    var person = known(id);
    var open = row.querySelector(".door-collect");
    if (open) {
      open.remove();
    }
    var box = element("div", "door-collect");
    var label = element("p", null, say("choose", { name: person.name }));
    label.id = "collect-" + id;
    box.appendChild(label);
    var first = null;
    if (!attended(person.state) || person.left) {
      label.textContent = say("not_here", { name: person.name });
    } else if (!person.collectors.length) {
      label.textContent = say("no_collector", { name: person.name });
    } else {
      var group = element("div", "collectors");
      group.setAttribute("role", "group");
      group.setAttribute("aria-labelledby", label.id);
      person.collectors.forEach(function (name) {
        var button = element("button", "button button--secondary", name);
        button.type = "button";
        button.addEventListener("click", function () {
          box.remove();
          var left = say("left", { name: person.name, collector: name });
          var local = { keep: true, answer: answer("ok", "✓", left, say("pending")) };
          var action = { kind: "check_out", attendee: id, collector: name };
          act(action, local, "register-status", row);
        });
        group.appendChild(button);
        first = first || button;
      });
      box.appendChild(group);
    }
    var cancel = element("button", "link-button", say("cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", function () {
      box.remove();
      var link = row.querySelector('a[href$="/check-out"]');
      (link || row).focus();
    });
    box.appendChild(cancel);
    row.appendChild(box);
    (first || cancel).focus();
  }

  /* A check-out link opens the choice in the row. Online, the marks changed meanwhile
     are asked for first (a moment at most): the phone's copy may not know yet of a
     scan just made here or on another phone, and would say the child is not here.
     Someone the phone does not know (booked since it last loaded) is left to the
     server's own check-out page, as every check-out is until the phone has its copy
     of the register (`start`). */
  root.addEventListener("click", function (event) {
    var link = event.target.closest('.register-list a[href$="/check-out"]');
    if (link && started) {
      event.preventDefault();
      var row = link.closest("li");
      var fresh = new Promise(function (done) {
        poll().then(done);
        window.setTimeout(done, FRESH_WAIT_MS);
      });
      fresh.then(function () {
        if (known(Number(row.id.slice("attendee-".length)))) {
          choose(row);
        } else {
          window.location.assign(link.href);
        }
      });
    }
  });

  /* Forms that need the server (a walk-in, self check-in) say so offline; logging
     out waits until what is queued is sent (logging out wipes the phone's data). */
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (form.matches('form[action$="/account/logout"]')) {
        if (queue.length) {
          event.preventDefault();
          send().then(function () {
            if (!queue.length) {
              form.submit();
            } else {
              status.textContent = say("waiting", { n: queue.length }) + " " + say("log_out_first");
            }
          });
        }
        return;
      }
      var posts = (form.getAttribute("method") || "").toLowerCase() === "post";
      if (root.contains(form) && posts && !form.hasAttribute("data-door-act") && !navigator.onLine) {
        event.preventDefault();
        tell("register-status", answer("bad", "✗", say("needs_network")));
      }
    },
    true
  );

  /* Staying up to date ------------------------------------------------------------------ */

  /* The server's JSON answer at this address; fails when there is none (offline, a
     log-in page, the server busy or too slow). */
  function getJSON(address) {
    return fetch(address, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(SEND_WAIT_MS),
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") === -1) {
        throw new Error("no JSON answer from " + address);
      }
      return response.json();
    });
  }

  function poll() {
    if (document.hidden || !navigator.onLine) {
      return Promise.resolve();
    }
    return getJSON(door.changes + "?since=" + encodeURIComponent(register.cursor))
      .then(function (reply) {
        register.cursor = reply.cursor;
        showRows(reply.rows, reply.people);
        serverCounts = reply.counts || serverCounts;
        showCounts();
        showConflicts(reply.conflicts);
        saveSoon();
        return queue.length && !retryTimer ? send() : undefined; // over the limit: wait
      })
      .catch(function () {
        return undefined; // offline, or the server busy: next time
      });
  }

  function keepPolling() {
    window.setTimeout(function () {
      poll().then(keepPolling);
    }, POLL_MS);
  }

  /* Fresh data for the phone to keep, when the page opens online. */
  function refresh() {
    return getJSON(door.data)
      .then(function (data) {
        var people = {};
        data.people.forEach(function (person) {
          people[person.id] = person;
        });
        delete data.people;
        register = {
          path: door.register,
          expires: data.session.day[1],
          data: data,
          people: people,
          words: data.words,
          cursor: data.cursor,
          snapshot: null,
        };
        return store.put("registers", register);
      })
      .catch(function () {
        return undefined; // offline: what the phone keeps will do
      });
  }

  function loadPhone() {
    return store.get("phone", "phone").then(function (found) {
      if (found) {
        return found;
      }
      var made = { name: "phone", id: window.crypto.randomUUID(), label: "" };
      return store.put("phone", made).then(function () {
        return made;
      });
    });
  }

  /* The worker keeps this page for offline use (the first visit hands it over);
     the phone says so once it does. */
  function keepThisPage() {
    return navigator.serviceWorker
      .register(door.worker, { scope: door.scope })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return new Promise(function (resolve) {
          var channel = new MessageChannel();
          channel.port1.onmessage = function (event) {
            resolve(event.data && event.data.kept);
          };
          registration.active.postMessage({ keep: door.register }, [channel.port2]);
        });
      })
      .then(function (kept) {
        offlineReady.hidden = !kept;
      })
      .catch(function () {
        return undefined; // no worker: the register still queues while the page is open
      });
  }

  function start() {
    started = true;
    restore();
    root.querySelectorAll(".register-list > li").forEach(function (row) {
      serverRows[row.id.slice("attendee-".length)] = row.outerHTML;
    });
    held().forEach(function (action) {
      (action.attendee ? [action.attendee] : action.party).forEach(patchRow);
    });
    showCounts();
    bar.hidden = false;
    phonePanel.hidden = false;
    phoneName.value = phone.label || "";
    phoneName.addEventListener("change", function () {
      phone.label = phoneName.value.trim().slice(0, 60);
      store.put("phone", phone);
    });
    sendButton.addEventListener("click", function () {
      send();
    });
    window.addEventListener("online", function () {
      showQueue();
      poll();
    });
    window.addEventListener("offline", showQueue);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        poll();
      }
    });
    page.useDoor(takeOver);
    showQueue();
    keepPolling();
    if (queue.length && navigator.onLine) {
      send();
    }
    return keepThisPage();
  }

  store
    .forgetEnded(Date.now())
    .then(function () {
      return Promise.all([store.get("registers", door.register), store.all("queue"), loadPhone()]);
    })
    .then(function (found) {
      register = found[0] || null;
      queue = found[1].sort(function (a, b) {
        return a.at - b.at;
      });
      phone = found[2];
      return navigator.onLine ? refresh() : undefined;
    })
    .then(function () {
      // Never opened online on this phone: nothing to work with offline.
      return register ? start() : undefined;
    });
})();
