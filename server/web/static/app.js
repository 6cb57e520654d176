// Hoursync's small progressive enhancements: every page works without this file.
(function () {
  "use strict";
  // Confirm destructive actions.
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-confirm]");
    if (!b) { return; }
    if (!window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); return; }
    // Confirmed here, so the server need not ask again on a page of its own.
    if (b.form && !b.form.querySelector('input[name="confirmed"]')) {
      var yes = document.createElement("input");
      yes.type = "hidden"; yes.name = "confirmed"; yes.value = "1";
      b.form.appendChild(yes);
    }
  });
  // A form with unsaved edits: the sync button of data-save-first asks to save them
  // first ("Save and sync"), since a sync sends what was saved.
  document.querySelectorAll("form[data-dirty]").forEach(function (f) {
    f.addEventListener("input", function () { f.setAttribute("data-edited", "1"); });
    f.addEventListener("change", function () { f.setAttribute("data-edited", "1"); });
  });
  document.querySelectorAll("form[data-save-first]").forEach(function (s) {
    s.addEventListener("submit", function (e) {
      var edited = document.querySelector(s.getAttribute("data-save-first"));
      if (!edited || !edited.hasAttribute("data-edited")) { return; }
      e.preventDefault();
      if (window.confirm("You have unsaved edits. Save them and sync the saved invoice?")) {
        var both = edited.querySelector('button[name="then"][value="sync"]');
        if (both) { both.click(); }
      }
    });
  });
  // Take the person to the first field that needs fixing.
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) { invalid.focus(); }
  // Select all rows.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('input[name="' + box.getAttribute("data-select-all") + '"]').forEach(function (c) { c.checked = box.checked; });
    });
  });
  // Submit filters on change.
  document.querySelectorAll("[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  // Live progress of a running sync: poll, then reload to show the final badges.
  var box = document.querySelector(".progress[data-workflow]");
  if (!box) { return; }
  var id = box.getAttribute("data-workflow");
  var selection = box.getAttribute("data-selection") || "";
  var link = box.querySelector("a");
  function poll() {
    fetch("/api/v1/sync/progress?workflow_id=" + encodeURIComponent(id) + "&selection_id=" + encodeURIComponent(selection), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.error) {
          box.textContent = s.error.message;
          // Paused while the sync service is down: it resumes by itself, so keep asking.
          if (s.error.code === "sync_paused") { setTimeout(poll, 5000); }
          return;
        }
        var p = s.progress || {};
        // A sync workflow may stay open a little for more work after its batch;
        // the batch being done is the end the person waits for.
        // Done counts every card with its result: synced + failed + skipped.
        var finished = p.total > 0 && p.done >= p.total;
        var text = p.message || (p.total ? ("Syncing " + p.done + " of " + p.total) : "Syncing…");
        box.textContent = text + " ";
        if (link) { box.appendChild(link); }
        if (s.running && !finished) { setTimeout(poll, 1000); return; }
        var url = new URL(window.location.href);
        url.searchParams.delete("workflow_id");
        url.searchParams.set("done", id.split("/")[0]);
        url.searchParams.delete("selection_id");
        if (p.total) { url.searchParams.set("synced", (p.synced || 0) + (p.skipped || 0)); url.searchParams.set("failed", p.failed || 0); }
        window.location.replace(url.toString());
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
// The weekly grid (grid.html): totals follow what is typed, a changed cell is saved
// when it loses focus through the JSON API (the form's post does the same without
// JavaScript), and "Add row" adds the row in place.
(function () {
  "use strict";
  var form = document.getElementById("grid-form");
  if (!form) { return; }
  var csrf = form.querySelector('input[name="csrf_token"]').value;
  var pending = 0, waiting = null, submitting = false;
  var statusText = { never: "not synced", synced: "synced", changed: "changed", syncing: "syncing", failed: "failed" };

  // hours reads "1.5", "1,5" or ".25" hours as minutes, rounded half up.
  function hours(s) {
    var p = /^(\d{0,6})(?:[.,](\d{0,6}))?$/.exec(s);
    if (!p || (p[1] === "" && !p[2])) { return NaN; }
    var den = Math.pow(10, (p[2] || "").length);
    return (+p[1] || 0) * 60 + (p[2] ? Math.floor((+p[2] * 120 + den) / (2 * den)) : 0);
  }
  // length reads a cell as parseCellDuration (server/grid.go) does, without its
  // limit: its minutes (0 for none), or NaN when it reads as no time at all.
  function length(text) {
    var v = String(text).replace(/\s+/g, "").toLowerCase(), m;
    if (v === "") { return 0; }
    if ((m = /^(\d{1,6}):(\d\d)$/.exec(v))) { return +m[2] < 60 ? +m[1] * 60 + +m[2] : NaN; }
    if ((m = /^(\d*(?:[.,]\d*)?)h(?:(\d{1,6})(?:m|min)?)?$/.exec(v))) { return hours(m[1]) + (m[2] ? +m[2] : 0); }
    if ((m = /^(\d{1,6})(?:m|min)$/.exec(v))) { return +m[1]; }
    return hours(v);
  }
  // minutes is a cell's minutes, 0 for none, or null when it is no time (unreadable,
  // negative, over 24:00).
  function minutes(text) {
    var n = length(text);
    return isNaN(n) || n > 1440 ? null : n;
  }
  // problem says why a cell is no time, in parseCellDuration's words.
  function problem(text) {
    if (/^\s*[-−]/.test(text)) { return "a time cannot be negative"; }
    if (length(text) > 1440) { return "a day holds at most 24:00"; }
    return "type the time as 1:30, 1.5, 2h or 45m";
  }
  function hm(n) { return Math.floor(n / 60) + ":" + ("0" + n % 60).slice(-2); }
  function cellMinutes(el) {
    return el.tagName === "INPUT" ? (minutes(el.value) || 0) : (+el.getAttribute("data-minutes") || 0);
  }
  function totals() {
    var days = {}, all = 0;
    form.querySelectorAll("tbody tr").forEach(function (tr) {
      var sum = 0;
      tr.querySelectorAll("[data-date]").forEach(function (el) {
        var n = cellMinutes(el), d = el.getAttribute("data-date");
        sum += n; days[d] = (days[d] || 0) + n;
      });
      var t = tr.querySelector("[data-row-total]");
      if (t) { t.textContent = hm(sum); }
      all += sum;
    });
    form.querySelectorAll("[data-day-total]").forEach(function (td) { td.textContent = hm(days[td.getAttribute("data-day-total")] || 0); });
    document.getElementById("grid-total").textContent = hm(all);
  }
  form.addEventListener("input", totals);

  function key(el) { return el.id.slice(2); }
  function showError(el, text) {
    var k = key(el), p = document.getElementById("e-" + k);
    if (!p) { p = document.createElement("p"); p.className = "error"; p.id = "e-" + k; el.parentNode.appendChild(p); }
    p.textContent = text.charAt(0).toUpperCase() + text.slice(1);
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", "s-" + k + " e-" + k);
  }
  function clearError(el) {
    var p = document.getElementById("e-" + key(el));
    if (p) { p.remove(); }
    el.removeAttribute("aria-invalid");
    el.setAttribute("aria-describedby", "s-" + key(el));
  }
  // setCard makes the cell show card (null: none): its time, its QuickBooks state and
  // the card the form's post names beside the cell, so a later post does not repeat
  // what was saved here.
  function setCard(el, card) {
    var k = key(el), was = form.querySelector('input[name="was_' + k + '"]'), mark = document.getElementById("s-" + k);
    var sr = mark && mark.querySelector(".sr");
    if (!card) {
      ["data-card", "data-was", "data-billable", "data-rate", "data-notes"].forEach(function (a) { el.removeAttribute(a); });
      if (was) { was.remove(); }
      if (mark) { mark.className = "mark"; mark.removeAttribute("title"); sr.textContent = ""; }
      return;
    }
    el.setAttribute("data-card", card.id); el.setAttribute("data-was", card.minutes);
    el.setAttribute("data-billable", card.billable); el.setAttribute("data-rate", card.rate); el.setAttribute("data-notes", card.notes || "");
    if (!was) { was = document.createElement("input"); was.type = "hidden"; was.name = "was_" + k; el.insertAdjacentElement("afterend", was); }
    was.value = card.id + ":" + card.version + ":" + card.minutes;
    if (document.activeElement !== el) { el.value = hm(card.minutes); }
    if (mark) {
      var text = statusText[card.sync_status] || card.sync_status;
      mark.className = "mark " + card.sync_status;
      mark.title = "QuickBooks: " + text;
      sr.textContent = card.sync_status === "never" ? "" : "QuickBooks: " + text;
    }
  }
  function settled(el) {
    el.removeAttribute("data-saving");
    pending--;
    if (el.hasAttribute("data-again")) { el.removeAttribute("data-again"); save(el); }
    if (pending === 0 && waiting) { var w = waiting; waiting = null; w(); }
  }
  // save sends one changed cell: a new card, the card's new minutes, or its deletion.
  function save(el) {
    if (submitting) { return; }
    if (el.hasAttribute("data-saving")) { el.setAttribute("data-again", ""); return; }
    var n = minutes(el.value), tr = el.closest("tr"), card = el.getAttribute("data-card");
    if (n === null) { showError(el, problem(el.value)); return; }
    if ((!card && n === 0) || (card && n === +el.getAttribute("data-was"))) { clearError(el); return; }
    var url = "/api/v1/time-cards", method = "POST";
    var body = { user_id: +tr.getAttribute("data-user"), customer_id: +tr.getAttribute("data-customer"),
      service_id: +tr.getAttribute("data-service"), date: el.getAttribute("data-date"), minutes: n };
    if (card && n === 0) {
      method = "DELETE"; url += "/" + card; body = null;
    } else if (card) {
      method = "PUT"; url += "/" + card;
      body.billable = el.getAttribute("data-billable") === "true";
      body.rate = el.getAttribute("data-rate");
      body.notes = el.getAttribute("data-notes") || "";
    }
    var opts = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
    if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    pending++;
    el.setAttribute("data-saving", "");
    fetch(url, opts)
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { showError(el, (res.body.error && res.body.error.message) || "not saved"); return; }
        clearError(el);
        setCard(el, method === "DELETE" ? null : res.body);
      })
      .catch(function () { showError(el, "not saved: the server could not be reached; Save tries again"); })
      .then(function () { settled(el); });
  }
  form.addEventListener("change", function (e) {
    if (e.target.matches("input[data-date]")) { save(e.target); }
  });
  // Enter (or Save) posts the whole form; cells still being saved finish first, so
  // the post does not send them a second time.
  form.addEventListener("submit", function (e) {
    submitting = true;
    if (pending === 0) { return; }
    e.preventDefault();
    waiting = function () { form.submit(); };
  });

  var add = document.getElementById("add-row-form");
  if (!add) { return; }
  add.addEventListener("submit", function (e) {
    function chosen(name) { var s = add.querySelector('select[name="' + name + '"]'); return s && s.value ? s : null; }
    function label(s) { return s.selectedOptions[0].getAttribute("data-name"); }
    var c = chosen("row_customer"), s = chosen("row_service"), u = chosen("row_user");
    var user = u ? u.value : add.getAttribute("data-user");
    // Something not chosen: the server's page says what, beside its field.
    if (!c || !s || !user || user === "0") { return; }
    e.preventDefault();
    var same = form.querySelector('tbody tr[data-user="' + user + '"][data-customer="' + c.value + '"][data-service="' + s.value + '"]');
    if (same) { same.querySelector("[data-date]").focus(); return; }
    var tr = document.createElement("tr"), names = [];
    tr.setAttribute("data-user", user); tr.setAttribute("data-customer", c.value); tr.setAttribute("data-service", s.value);
    if (u) {
      var who = document.createElement("th"); who.scope = "row"; who.textContent = label(u); tr.appendChild(who); names.push(label(u));
    }
    var what = document.createElement("th"), small = document.createElement("small");
    what.scope = "row"; what.textContent = label(c); small.textContent = label(s);
    what.appendChild(document.createElement("br")); what.appendChild(small); tr.appendChild(what);
    names.push(label(c), label(s));
    form.querySelectorAll("thead th[data-day]").forEach(function (th) {
      var date = th.getAttribute("data-day"), k = user + "_" + c.value + "_" + s.value + "_" + date;
      var td = document.createElement("td"), input = document.createElement("input"), mark = document.createElement("span");
      td.className = "cell";
      input.name = "cell_" + k; input.id = "g-" + k; input.size = 5; input.autocomplete = "off";
      input.setAttribute("inputmode", "decimal"); input.setAttribute("data-date", date);
      input.setAttribute("aria-label", names.concat(th.textContent).join(", "));
      input.setAttribute("aria-describedby", "s-" + k);
      mark.className = "mark"; mark.id = "s-" + k; mark.appendChild(document.createElement("span")).className = "sr";
      td.appendChild(input); td.appendChild(mark); tr.appendChild(td);
    });
    var total = document.createElement("td");
    total.className = "num"; total.setAttribute("data-row-total", ""); total.textContent = "0:00";
    tr.appendChild(total);
    form.querySelector("tbody").appendChild(tr);
    var empty = document.getElementById("grid-empty");
    if (empty) { empty.remove(); }
    tr.querySelector("input").focus();
  });
})();
// The running timer (timer.html, and the "timer running" link in every page's header):
// its elapsed time counts up every second from what the server drew, so a wrong clock
// in the browser does not matter.
(function () {
  "use strict";
  var shown = document.querySelectorAll("[data-timer-elapsed]");
  if (!shown.length) { return; }
  var loaded = Date.now();
  function tick() {
    var gone = Math.floor((Date.now() - loaded) / 1000);
    shown.forEach(function (el) {
      var s = (+el.getAttribute("data-timer-elapsed") || 0) + gone;
      el.textContent = Math.floor(s / 3600) + ":" + ("0" + Math.floor(s % 3600 / 60)).slice(-2);
    });
  }
  tick();
  setInterval(tick, 1000);
})();

// The undo of a delete (timesheet.html): the offer counts down its seconds and, once
// the delete can no longer be undone, takes its button away.
(function () {
  "use strict";
  var offer = document.querySelector("[data-undo-ms]");
  if (!offer) { return; }
  var until = Date.now() + Number(offer.getAttribute("data-undo-ms"));
  var left = offer.querySelector("[data-undo-left]");
  var button = offer.querySelector("[data-undo]");
  var shown = -1;
  // The offer is where the person looks: near the table they deleted from.
  if (offer.scrollIntoView) { offer.scrollIntoView({ block: "nearest" }); }
  function tick() {
    var s = Math.ceil((until - Date.now()) / 1000);
    if (s <= 0) {
      if (button) { button.remove(); }
      if (left) { left.textContent = "It can no longer be undone."; }
      return;
    }
    if (left && s !== shown) { left.textContent = s + (s === 1 ? " second" : " seconds") + " left to undo"; }
    shown = s;
    setTimeout(tick, 250);
  }
  tick();
})();
