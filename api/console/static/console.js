// Hadir console: the little JavaScript of our own. Keyboard work in the review queue, the
// selection that survives paging, and the CSRF header on every htmx request. No inline script
// anywhere (the Content-Security-Policy forbids it), so everything is wired here.
(function () {
  "use strict";

  var csrf = document.querySelector('meta[name="csrf-token"]');
  var token = csrf ? csrf.getAttribute("content") : "";

  // htmx requests carry the CSRF token as a header; plain forms carry it as a hidden field.
  document.addEventListener("htmx:configRequest", function (e) {
    if (token) {
      e.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // ---------------------------------------------------------------------------------------
  // The selection across pages: ids kept in sessionStorage, counted in the bulk bar.
  var KEY = "hadir.review.selected";

  function selected() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || "[]");
    } catch (_) {
      return [];
    }
  }

  function store(ids) {
    sessionStorage.setItem(KEY, JSON.stringify(ids));
    var count = document.getElementById("selected-count");
    if (count) {
      count.textContent = String(ids.length);
    }
    var field = document.getElementById("bulk-ids");
    if (field) {
      field.value = ids.join(",");
    }
    var bar = document.getElementById("bulk-bar");
    if (bar) {
      bar.hidden = ids.length === 0;
    }
  }

  function syncBoxes() {
    var ids = selected();
    document.querySelectorAll("input.pick").forEach(function (box) {
      box.checked = ids.indexOf(box.value) >= 0;
    });
    store(ids);
  }

  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.classList || !box.classList.contains("pick")) {
      return;
    }
    var ids = selected().filter(function (id) {
      return id !== box.value;
    });
    if (box.checked) {
      ids.push(box.value);
    }
    store(ids);
  });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t && t.id === "clear-selection") {
      e.preventDefault();
      store([]);
      syncBoxes();
    }
    if (t && t.id === "pick-page") {
      e.preventDefault();
      var ids = selected();
      document.querySelectorAll("input.pick").forEach(function (box) {
        if (ids.indexOf(box.value) < 0) {
          ids.push(box.value);
        }
      });
      store(ids);
      syncBoxes();
    }
  });

  // A bulk decision done: the selection is spent.
  document.addEventListener("submit", function (e) {
    if (e.target && e.target.id === "bulk-form") {
      var field = document.getElementById("bulk-ids");
      if (field) {
        field.value = selected().join(",");
      }
      sessionStorage.removeItem(KEY);
    }
  });

  // ---------------------------------------------------------------------------------------
  // Keyboard: j/k next/previous, a approve, x reject (asks for the note), space select,
  // Enter open, ? help. Not while typing in a field.
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  }

  function current() {
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      if (all[i].classList.contains("current")) {
        return i;
      }
    }
    return -1;
  }

  function focusRow(i) {
    var all = rows();
    if (all.length === 0) {
      return;
    }
    i = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (r) {
      r.classList.remove("current");
    });
    all[i].classList.add("current");
    all[i].scrollIntoView({ block: "nearest" });
  }

  function decideCurrent(decision) {
    var i = current();
    var row = i >= 0 ? rows()[i] : document.querySelector("[data-detail]");
    if (!row) {
      return;
    }
    var form = row.querySelector('form[data-decision="' + decision + '"]');
    if (!form) {
      return;
    }
    if (decision === "reject") {
      var note = form.querySelector('input[name="note"], textarea[name="note"]');
      if (note && !note.value) {
        form.hidden = false;
        note.focus();
        return;
      }
    }
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function toggleHelp() {
    var help = document.getElementById("help");
    if (help) {
      help.hidden = !help.hidden;
    }
  }

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing =
      t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
    if (typing) {
      if (e.key === "Escape") {
        t.blur();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) {
      return;
    }
    switch (e.key) {
      case "j":
        focusRow(current() + 1);
        break;
      case "k":
        focusRow(current() - 1);
        break;
      case "a":
        decideCurrent("approve");
        break;
      case "x":
        decideCurrent("reject");
        break;
      case " ": {
        var i = current();
        if (i >= 0) {
          var box = rows()[i].querySelector("input.pick");
          if (box) {
            box.checked = !box.checked;
            box.dispatchEvent(new Event("change", { bubbles: true }));
          }
        }
        break;
      }
      case "Enter": {
        var j = current();
        if (j >= 0) {
          var link = rows()[j].querySelector("a[data-open]");
          if (link) {
            link.click();
          }
        }
        break;
      }
      case "?":
        toggleHelp();
        break;
      default:
        return;
    }
    e.preventDefault();
  });

  // After htmx swaps a row out (decided), keep the cursor on the row that took its place.
  document.addEventListener("htmx:afterSwap", function () {
    if (current() < 0) {
      focusRow(0);
    }
    syncBoxes();
  });

  // Rejection forms start hidden and open on demand.
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t && t.getAttribute && t.getAttribute("data-open-reject") !== null) {
      e.preventDefault();
      var form = t.closest("[data-row], [data-detail]").querySelector(
        'form[data-decision="reject"]'
      );
      if (form) {
        form.hidden = false;
        var note = form.querySelector('[name="note"]');
        if (note) {
          note.focus();
        }
      }
    }
  });

  // The month matrix: a day's cell (columns 1 to the month's length; the date comes from the
  // column, to keep a page of 500 rows small) opens its day beside the table.
  document.addEventListener("click", function (e) {
    var cell = e.target && e.target.closest ? e.target.closest("#matrix tbody td") : null;
    if (!cell || typeof htmx === "undefined") {
      return;
    }
    var table = cell.closest("table");
    var day = cell.cellIndex;
    if (day < 1 || day > parseInt(table.getAttribute("data-days"), 10)) {
      return;
    }
    var row = cell.closest("tr");
    var date = table.getAttribute("data-month") + "-" + (day < 10 ? "0" : "") + day;
    var url =
      "/console/month/day?nip=" +
      encodeURIComponent(row.getAttribute("data-nip")) +
      "&date=" +
      encodeURIComponent(date);
    document.querySelectorAll("#matrix td.selected").forEach(function (c) {
      c.classList.remove("selected");
    });
    cell.classList.add("selected");
    htmx.ajax("GET", url, { target: "#day", swap: "innerHTML" });
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncBoxes();
    if (rows().length > 0) {
      focusRow(0);
    }
  });
})();
