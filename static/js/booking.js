/* The booking form's live seat count: "3 seats" as people are ticked, and a warning
   when the party is larger than the seats left. The server renders the same after
   a submit, so the form works without this script. Labels come translated from the
   server (one per possible count), so no wording lives here. */
(function () {
  "use strict";

  var form = document.querySelector("[data-booking-form]");
  if (!form) {
    return;
  }
  var output = form.querySelector("[data-seat-count]");
  if (!output) {
    return;
  }
  var labels = JSON.parse(output.getAttribute("data-labels") || "[]");
  var seatsLeft = parseInt(output.getAttribute("data-seats-left"), 10);
  var over = form.querySelector("[data-over-capacity]");
  var boxes = form.querySelectorAll('input[type="checkbox"][name="people"]');

  function update() {
    var count = 0;
    for (var i = 0; i < boxes.length; i += 1) {
      if (boxes[i].checked) {
        count += 1;
      }
    }
    if (labels.length) {
      output.textContent = labels[Math.min(count, labels.length - 1)];
    }
    if (over && !isNaN(seatsLeft)) {
      over.hidden = count <= seatsLeft;
    }
  }

  for (var i = 0; i < boxes.length; i += 1) {
    boxes[i].addEventListener("change", update);
  }
  update();
})();
