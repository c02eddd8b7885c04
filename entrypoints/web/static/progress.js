// Live progress of a send: poll the status endpoint, update the bar, reload when finished.
// The state lives on the server, so a reload (or another browser) picks up where it is.
(function () {
  "use strict";
  var section = document.getElementById("progress-section");
  if (!section) { return; }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("progress");
  var text = document.getElementById("progress-text");
  var state = document.getElementById("state");
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (status) {
        bar.max = Math.max(status.total, 1);
        bar.value = status.done;
        bar.textContent = status.done + " of " + status.total;
        text.textContent = status.done + " of " + status.total;
        state.textContent = status.state;
        if (status.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
