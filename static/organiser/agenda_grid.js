// The agenda builder's day grid: lays out the blocks from their data-* attributes (the CSP
// forbids inline styles, CSSOM is allowed), and moves or resizes sessions with the pointer or
// the keyboard. Each change is one POST to the session's /place endpoint; the page then reloads,
// so the conflicts shown always come from the server. Its messages come from the page
// (data-refused, data-offline), translated like the rest of it.
(function () {
  "use strict";

  var grid = document.getElementById("agenda-grid");
  if (!grid) { return; }
  var status = document.getElementById("grid-status");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var day = grid.dataset.day;
  var startMinutes = parseInt(grid.dataset.startMinutes, 10);
  var step = parseInt(grid.dataset.step, 10);
  var rows = parseInt(grid.dataset.rows, 10);
  var FIRST_ROW = 2;
  var FIRST_COL = 2;

  var columns = Array.prototype.map.call(grid.querySelectorAll(".venue-head"), function (head) {
    return { col: parseInt(head.dataset.col, 10), venue: head.dataset.venue };
  });

  function int(element, name) { return parseInt(element.dataset[name], 10); }

  function place(element) {
    var row = int(element, "row");
    var end = element.dataset.rowEnd ? int(element, "rowEnd") : row + 1;
    element.style.gridRow = row + " / " + end;
    element.style.gridColumn = String(int(element, "col"));
  }

  grid.querySelectorAll("[data-row]").forEach(place);
  grid.style.gridTemplateColumns = "4.5rem repeat(" + columns.length + ", minmax(9rem, 1fr))";
  grid.style.gridTemplateRows = "auto repeat(" + rows + ", 1.6rem)";
  grid.hidden = false;
  document.body.classList.add("agenda-grid-ready");

  function clock(row) {
    var minutes = startMinutes + (row - FIRST_ROW) * step;
    var h = Math.floor(minutes / 60), m = minutes % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function venueOf(col) {
    var found = columns.filter(function (c) { return c.col === col; })[0];
    return found ? found.venue : "";
  }

  function say(text) { if (status) { status.textContent = text; } }

  function send(block, row, rowEnd, col) {
    var body = { day: day, start: clock(row), end: clock(rowEnd), venue: venueOf(col) };
    return fetch(grid.dataset.placeUrl + encodeURIComponent(block.dataset.ref) + "/place", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          var error = answer.error || {};
          var fields = error.fields || {};
          say([error.message || grid.dataset.refused].concat(Object.keys(fields).map(function (k) { return fields[k]; }))
            .join(" "));
          place(block);
          return;
        }
        try { sessionStorage.setItem("agenda-focus", answer.ref); } catch (ignored) { /* private mode */ }
        window.location.hash = "block-" + answer.ref;
        window.location.reload();
      });
    }).catch(function () {
      say(grid.dataset.offline);
      place(block);
    });
  }

  function clampRow(row) { return Math.max(FIRST_ROW, Math.min(FIRST_ROW + rows - 1, row)); }

  // Keyboard: Alt+arrows move, Shift+Alt+Up/Down change the end.
  grid.addEventListener("keydown", function (event) {
    var block = event.target.closest && event.target.closest(".block");
    if (!block || !event.altKey) { return; }
    var row = int(block, "row"), end = int(block, "rowEnd"), col = int(block, "col");
    var length = end - row;
    if (event.shiftKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      end = Math.max(row + 1, Math.min(FIRST_ROW + rows, end + (event.key === "ArrowDown" ? 1 : -1)));
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      row = clampRow(row + (event.key === "ArrowDown" ? 1 : -1));
      end = row + length;
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      col = Math.max(FIRST_COL, Math.min(FIRST_COL + columns.length - 1, col + (event.key === "ArrowRight" ? 1 : -1)));
    } else {
      return;
    }
    event.preventDefault();
    block.dataset.row = row; block.dataset.rowEnd = end; block.dataset.col = col;
    place(block);
    send(block, row, end, col);
  });

  // Pointer: drag a block to move it, drag its lower edge to resize it.
  function cellAt(x, y) {
    var found = document.elementsFromPoint(x, y).filter(function (el) {
      return el.classList && el.classList.contains("cell");
    });
    return found[0] || null;
  }

  var drag = null;
  grid.addEventListener("pointerdown", function (event) {
    var block = event.target.closest && event.target.closest(".block");
    if (!block || event.button !== 0 || event.pointerType === "touch") { return; }
    var cell = cellAt(event.clientX, event.clientY);
    drag = {
      block: block, resize: event.target.classList.contains("resize-handle"), moved: false,
      startRow: int(block, "row"), endRow: int(block, "rowEnd"), col: int(block, "col"),
      grabRow: cell ? int(cell, "row") : int(block, "row")
    };
    block.setPointerCapture(event.pointerId);
  });

  grid.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var cell = cellAt(event.clientX, event.clientY);
    if (!cell) { return; }
    var row = int(cell, "row"), col = int(cell, "col");
    var block = drag.block;
    if (drag.resize) {
      block.dataset.rowEnd = Math.max(drag.startRow + 1, row + 1);
    } else {
      var shift = row - drag.grabRow;
      var length = drag.endRow - drag.startRow;
      var newRow = clampRow(drag.startRow + shift);
      block.dataset.row = newRow;
      block.dataset.rowEnd = newRow + length;
      block.dataset.col = col;
    }
    drag.moved = drag.moved || int(block, "row") !== drag.startRow || int(block, "rowEnd") !== drag.endRow ||
      int(block, "col") !== drag.col;
    block.classList.add("dragging");
    place(block);
  });

  function finish(event) {
    if (!drag) { return; }
    var current = drag;
    drag = null;
    current.block.classList.remove("dragging");
    if (current.block.hasPointerCapture(event.pointerId)) { current.block.releasePointerCapture(event.pointerId); }
    if (current.moved) {
      current.block.dataset.suppressClick = "1";
      send(current.block, int(current.block, "row"), int(current.block, "rowEnd"), int(current.block, "col"));
    }
  }
  grid.addEventListener("pointerup", finish);
  grid.addEventListener("pointercancel", function (event) {
    if (!drag) { return; }
    var block = drag.block;
    block.dataset.row = drag.startRow; block.dataset.rowEnd = drag.endRow; block.dataset.col = drag.col;
    place(block);
    drag = null;
  });

  // The title is a link: the browser's own link dragging would cancel the pointer drag.
  grid.addEventListener("dragstart", function (event) {
    if (event.target.closest && event.target.closest(".block")) { event.preventDefault(); }
  });

  // A drag that ends on the title link must not also follow it.
  grid.addEventListener("click", function (event) {
    var block = event.target.closest && event.target.closest(".block");
    if (block && block.dataset.suppressClick) {
      event.preventDefault();
      delete block.dataset.suppressClick;
    }
  }, true);

  var focus = null;
  try { focus = sessionStorage.getItem("agenda-focus"); sessionStorage.removeItem("agenda-focus"); } catch (ignored) { /* private mode */ }
  if (focus) {
    var target = document.getElementById("block-" + focus);
    if (target) { target.focus(); }
  }
}());
