/*
 * Live character count for a textarea with limits.
 *
 * The page already shows the limits and the count at load in text, so it works
 * without this script. With it, the count follows typing: an element with
 * data-count-for="<textarea id>" holds the limits (data-min, data-max) and three
 * translated sentences with {count}, {min}, {max} and {over} in them (data-under,
 * data-ok, data-over). Screen readers hear the count through a polite live region
 * (data-count-live="<textarea id>") once typing pauses, not at every key.
 */
(function () {
  "use strict";

  var PAUSE_MS = 1000;

  /* Characters as the server counts them: code points, a line break as one. */
  function length(text) {
    return Array.from(text.replace(/\r\n?/g, "\n")).length;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return name in values ? String(values[name]) : match;
    });
  }

  function setUp(counter) {
    var field = document.getElementById(counter.getAttribute("data-count-for"));
    if (!field) {
      return;
    }
    var live = document.querySelector('[data-count-live="' + field.id + '"]');
    var min = Number(counter.getAttribute("data-min") || 0);
    var max = Number(counter.getAttribute("data-max"));
    var timer = null;

    function message() {
      var count = length(field.value);
      var values = { count: count, min: min, max: max, over: count - max };
      if (count > max) {
        return { text: fill(counter.getAttribute("data-over"), values), over: true };
      }
      var state = count < min ? "data-under" : "data-ok";
      return { text: fill(counter.getAttribute(state), values), over: false };
    }

    function update() {
      var now = message();
      counter.textContent = now.text;
      counter.classList.toggle("char-count--over", now.over);
      if (live) {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          live.textContent = now.text;
        }, PAUSE_MS);
      }
    }

    field.addEventListener("input", update);
    counter.textContent = message().text;
  }

  document.querySelectorAll("[data-count-for]").forEach(setUp);
})();
