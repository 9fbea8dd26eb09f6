// The projector's stage screen: polls the block's state every second and counts down locally.
// The countdown uses the server's moments and clock: the laptop's own clock may be minutes off.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-state-url");
  var labels = {
    talk: body.getAttribute("data-label-talk"), questions: body.getAttribute("data-label-questions"),
    idle: body.getAttribute("data-label-idle"), done: body.getAttribute("data-label-done"),
    paused: body.getAttribute("data-label-paused"), offline: body.getAttribute("data-label-offline")
  };
  var nextLabel = document.getElementById("next-label").innerHTML;
  var state = null;
  var clockOffset = 0; // local clock minus server clock, in milliseconds

  function text(id, value) {
    var node = document.getElementById(id);
    if (node.textContent !== value) { node.textContent = value; }
  }

  function remainingSeconds() {
    if (!state || !state.current || !state.started_at) { return null; }
    var end = state.paused_at ? Date.parse(state.paused_at) : Date.now() - clockOffset;
    return Math.round(state.phase_seconds - (end - Date.parse(state.started_at)) / 1000);
  }

  function format(seconds) {
    var sign = seconds < 0 ? "−" : "";
    var value = Math.abs(seconds);
    var minutes = Math.floor(value / 60);
    var rest = value % 60;
    return sign + minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function render() {
    if (!state) { return; }
    var phase = labels[state.phase] || "";
    text("phase", state.paused_at ? phase + " · " + labels.paused : phase);
    text("title", state.current ? state.current.title : "");
    text("organisations", state.current ? state.current.organisations : "");
    text("presenters", state.current ? state.current.presenters : "");
    var seconds = remainingSeconds();
    text("countdown", seconds === null ? "" : format(seconds));
    body.classList.toggle("overtime", seconds !== null && seconds < 0);
    body.classList.toggle("ending", seconds !== null && seconds >= 0 && seconds <= 60);
    var next = document.getElementById("next");
    var wanted = state.next ? nextLabel + ": " + state.next.title : "";
    if (next.textContent !== wanted) {
      next.textContent = "";
      if (state.next) {
        next.appendChild(document.createTextNode(nextLabel + ": "));
        var span = document.createElement("span");
        span.id = "next-title";
        span.textContent = state.next.title;
        next.appendChild(span);
      }
    }
  }

  function poll() {
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        clockOffset = Date.now() - Date.parse(data.server_now);
        state = data;
        text("status", "");
        render();
      })
      .catch(function () { text("status", labels.offline); })
      .then(function () { window.setTimeout(poll, 1000); });
  }

  poll();
  window.setInterval(render, 250);
}());
