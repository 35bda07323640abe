/*
 * The register at the door: taps, scans and check-outs without reloading.
 *
 * Every form on the page works without this script (a POST and a new page).
 * With it, a form marked data-register-form is sent with fetch(), asking for
 * JSON and carrying the CSRF token in the X-CSRFToken header; the answer holds
 * the changed rows, the counts and what to announce (HTML rendered by the
 * server, so every word stays translatable there). The answer goes into the
 * live region named by the form's data-answer, else #register-status. The list
 * of people is one form: while a tap is on its way, only its row is busy.
 *
 * Also here: the name search filters the list as one types; the camera scanner
 * (getUserMedia into a <video>, frames into a <canvas>, decoded by jsQR, loaded
 * on first use); and the self check-in QR code, fetched anew every 30 seconds.
 *
 * On a phone that can keep the register offline, door.js takes the taps and scans
 * over (window.ConveneRegister.useDoor); it uses the row, answer and search
 * helpers here (window.ConveneRegister).
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-register]");
  if (!root) {
    return;
  }

  /* Sending forms ------------------------------------------------------------ */

  function csrfToken(form) {
    var input = form.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function announce(regionId, html) {
    var region = document.getElementById(regionId || "register-status");
    if (region) {
      region.innerHTML = html || "";
    }
  }

  /* A control that had focus in a replaced row gets it back in the new row. */
  function focusKey(element) {
    return element && element.name ? '[name="' + element.name + '"]' : null;
  }

  function replaceRow(id, html) {
    var old = document.getElementById("attendee-" + id);
    if (!old) {
      return;
    }
    var active = document.activeElement;
    var hadFocus = old.contains(active);
    var key = hadFocus ? focusKey(active) : null;
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var fresh = template.content.firstElementChild;
    fresh.hidden = old.hidden;
    old.replaceWith(fresh);
    if (hadFocus) {
      var again = key ? fresh.querySelector(key) : null;
      if (!again) {
        fresh.tabIndex = -1;
      }
      (again || fresh).focus();
    }
  }

  /* Without the script's help (an error page, a lost connection): send it plainly. */
  function sendPlainly(form, submitter) {
    if (submitter && submitter.name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = submitter.name;
      input.value = submitter.value;
      form.appendChild(input);
    }
    form.submit();
  }

  /* door.js, once it has taken over: it answers a form it handles with a promise. */
  var door = null;

  function send(form, submitter) {
    var taken = door && door(form, submitter);
    if (taken) {
      return taken;
    }
    var busy = (submitter && submitter.closest(".register-list > li")) || form;
    if (busy.getAttribute("aria-busy") === "true") {
      return Promise.resolve();
    }
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    busy.setAttribute("aria-busy", "true");
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error("The server did not answer with JSON.");
        }
        return response.json();
      })
      .then(function (reply) {
        busy.removeAttribute("aria-busy");
        Object.keys(reply.rows || {}).forEach(function (id) {
          replaceRow(id, reply.rows[id]);
        });
        if (reply.counts) {
          document.getElementById("register-counts").innerHTML = reply.counts;
        }
        announce(form.getAttribute("data-answer"), reply.answer);
        if (form.hasAttribute("data-scan-form")) {
          form.reset();
        }
        filter();
      })
      .catch(function () {
        busy.removeAttribute("aria-busy");
        sendPlainly(form, submitter);
      });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-register-form]") || !window.fetch) {
      return;
    }
    event.preventDefault();
    send(form, event.submitter);
  });

  /* Search as you type --------------------------------------------------------- */

  var search = root.querySelector("#register-search");
  var count = root.querySelector("[data-search-count]");

  function fold(text) {
    return (text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLocaleLowerCase();
  }

  /* What a row says of who they are: the name and the line under it (the party's
     name, and badges such as "Walk-in", which one may search for too). */
  function who(row) {
    var name = row.querySelector("h3");
    var party = row.querySelector("p");
    return (name ? name.textContent : "") + " " + (party ? party.textContent : "");
  }

  function filter() {
    if (!search) {
      return;
    }
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    var rows = root.querySelectorAll(".register-list > li");
    var shown = 0;
    rows.forEach(function (row) {
      var haystack = fold(who(row));
      var match = words.every(function (word) {
        return haystack.indexOf(word) !== -1;
      });
      row.hidden = !match;
      shown += match ? 1 : 0;
    });
    if (count) {
      count.hidden = words.length === 0;
      count.textContent = count
        .getAttribute("data-template")
        .replace("{shown}", shown)
        .replace("{total}", rows.length);
    }
  }

  if (search) {
    search.addEventListener("input", filter);
  }

  window.ConveneRegister = {
    announce: announce,
    filter: filter,
    replaceRow: replaceRow,
    useDoor: function (take) {
      door = take;
    },
  };

  /* The camera scanner --------------------------------------------------------- */

  var SCAN_EVERY_MS = 150; // decoding every frame drains a phone's battery
  var SAME_CODE_PAUSE_MS = 4000; // a ticket held in view is sent once, not ten times
  var MAX_WIDTH = 640; // jsQR is quick enough at this size, and sharp enough

  var scanner = root.querySelector("[data-scanner]");
  var scanForm = root.querySelector("[data-scan-form]");

  function setUpScanner() {
    var start = scanner.querySelector("[data-scanner-start]");
    var stop = scanner.querySelector("[data-scanner-stop]");
    var video = scanner.querySelector("[data-scanner-video]");
    var message = scanner.querySelector("[data-scanner-message]");
    var input = scanForm.querySelector('input[name="code"]');
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
    var sending = false;
    var lastCode = null;
    var lastAt = 0;
    var lastFrame = 0;

    function say(text) {
      message.textContent = text || "";
      message.hidden = !text;
    }

    function loadDecoder() {
      if (window.jsQR) {
        return Promise.resolve();
      }
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = scanner.getAttribute("data-jsqr-src");
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }

    function look(now) {
      if (!stream) {
        return;
      }
      window.requestAnimationFrame(look);
      if (sending || now - lastFrame < SCAN_EVERY_MS || video.readyState < 2) {
        return;
      }
      lastFrame = now;
      var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, {
        inversionAttempts: "dontInvert",
      });
      if (!found || !found.data) {
        return;
      }
      if (found.data === lastCode && now - lastAt < SAME_CODE_PAUSE_MS) {
        return;
      }
      lastCode = found.data;
      lastAt = now;
      input.value = found.data;
      sending = true;
      if (navigator.vibrate) {
        navigator.vibrate(80);
      }
      send(scanForm, null).then(function () {
        sending = false;
      });
    }

    function stopCamera() {
      if (stream) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
      }
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      stop.hidden = true;
      start.hidden = false;
      say("");
    }

    start.addEventListener("click", function () {
      loadDecoder()
        .then(function () {
          return navigator.mediaDevices.getUserMedia({
            video: { facingMode: { ideal: "environment" } },
            audio: false,
          });
        })
        .then(function (camera) {
          stream = camera;
          video.srcObject = camera;
          video.hidden = false;
          start.hidden = true;
          stop.hidden = false;
          say(scanner.getAttribute("data-text-looking"));
          return video.play().then(function () {
            window.requestAnimationFrame(look);
          });
        })
        .catch(function (error) {
          stopCamera();
          var denied = error && error.name === "NotAllowedError";
          say(scanner.getAttribute(denied ? "data-text-denied" : "data-text-unavailable"));
        });
    });

    stop.addEventListener("click", function () {
      stopCamera();
      start.focus();
    });

    // A camera left running in a pocket helps no one.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        stopCamera();
      }
    });

    scanner.hidden = false;
  }

  if (scanner && scanForm && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    setUpScanner();
  }

  /* The self check-in code ----------------------------------------------------- */

  var code = root.querySelector("[data-rotating-code]");
  if (code) {
    var address = code.getAttribute("src");
    var refresh = function () {
      code.setAttribute("src", address + "?t=" + Date.now());
    };
    var first = (Number(code.getAttribute("data-refresh-after")) || 30) * 1000 + 500;
    window.setTimeout(function () {
      refresh();
      window.setInterval(refresh, 30000);
    }, first);
  }
})();
