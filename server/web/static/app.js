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
