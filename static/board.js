/* LiveBoard: the one hand-written script. It holds no board state: everything it
   knows it reads from the DOM the server rendered. */
(function () {
  "use strict";

  var socket = null;      // the htmx ws extension's wrapper, once open
  var retry = 0;
  var ended = false;

  function live() { return document.getElementById("live"); }
  function version(el) {
    var n = el && el.getAttribute && el.getAttribute("data-v");
    return n === null || n === undefined ? null : Number(n);
  }
  function setStatus(state, text) {
    var el = document.getElementById("live-status");
    if (!el) return;
    el.setAttribute("data-state", state);
    el.textContent = text || "";
  }

  // --- ordering: never let an older fragment replace a newer one ----------------------
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var frag = e.detail.fragment;
    var incoming = frag.nodeType === 11 ? frag.firstElementChild : frag;
    var target = e.detail.target;
    var nv = version(incoming), tv = version(target);
    if (nv === null || tv === null) return;
    if (nv <= tv) { e.detail.shouldSwap = false; return; }
    var inner = target.querySelectorAll("[data-v]");
    for (var i = 0; i < inner.length; i++) {
      if (version(inner[i]) > nv) {
        // Part of the target is newer than the whole incoming fragment: ask for the
        // whole board again rather than show a mix.
        e.detail.shouldSwap = false;
        resync();
        return;
      }
    }
    keepTyping(target);
  });

  // A live swap must not eat what someone is typing in a form inside the swapped part.
  var typing = null;
  function keepTyping(target) {
    var el = document.activeElement;
    if (!el || !target.contains(el) || !el.form || !el.name) { typing = null; return; }
    typing = { action: el.form.getAttribute("action"), name: el.name, value: el.value,
               start: el.selectionStart, end: el.selectionEnd };
  }
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!typing) return;
    var saved = typing; typing = null;
    var form = document.querySelector('form[action="' + CSS.escape(saved.action) + '"]');
    var el = form && form.elements[saved.name];
    if (!el || !el.focus) return;
    el.value = saved.value;
    el.focus();
    try { el.setSelectionRange(saved.start, saved.end); } catch (err) { /* not a text field */ }
  });

  // --- the socket: status, reconnect on any close, resync on demand --------------------
  function resync() { if (socket) socket.reconnect(); }

  document.addEventListener("htmx:wsOpen", function (e) {
    socket = e.detail.socketWrapper;
    retry = 0;
    setStatus("live", "");
  });
  document.addEventListener("htmx:wsClose", function (e) {
    var code = e.detail.event.code;
    if (ended) return;
    if (code === 4009) { ended = true; setTimeout(function () { location.reload(); }, 600); return; }
    if (code === 4401 || code === 4403 || code === 4404) {
      ended = true;
      var status = document.getElementById("live-status");
      if (!status || status.getAttribute("data-state") !== "ended") {
        setStatus("ended", code === 4401 ? "You are logged out: this page no longer updates." : "This board is no longer available to you.");
      }
      live().setAttribute("data-role", "viewer");
      if (code === 4404) setTimeout(function () { location.href = "/"; }, 4000);
      return;
    }
    setStatus("reconnecting", "Reconnecting…");
    // The extension retries only after abnormal closes; daphne ends idle sockets with
    // 1000, and a server restart says 1001/1012: reconnect after those too.
    if ([1006, 1011, 1012, 1013].indexOf(code) < 0 && e.detail.socketWrapper) {
      var wrapper = e.detail.socketWrapper;
      var delay = Math.min(8000, 500 * Math.pow(2, retry++)) * (0.5 + Math.random() / 2);
      setTimeout(function () { if (!ended) wrapper.reconnect(); }, delay);
    }
  });
  document.addEventListener("htmx:wsError", function () { if (!ended) setStatus("reconnecting", "Reconnecting…"); });

  // --- the dialog panel: card detail, edit form, members, confirmations ---------------
  function panel() { return document.getElementById("panel"); }
  function syncPanel() {
    var p = panel();
    if (!p) return;
    var empty = !p.firstElementChild;
    if (empty && p.open) p.close();
    else if (!empty && !p.open && p.showModal) p.showModal();
    else if (!empty && p.open && !p.matches(":modal")) { p.close(); p.showModal(); }
  }
  document.addEventListener("htmx:oobAfterSwap", function (e) { if (e.target === panel() || e.detail.target === panel()) syncPanel(); });
  document.addEventListener("click", function (e) {
    var close = e.target.closest && e.target.closest("[data-close]");
    if (close && panel() && panel().contains(close)) {
      e.preventDefault();
      panel().close();
    }
  });
  document.addEventListener("close", function (e) {
    if (e.target === panel()) { panel().innerHTML = ""; }
  }, true);

  // A form that succeeded is emptied (add card, add pipeline), the page stays put.
  document.addEventListener("htmx:afterRequest", function (e) {
    var elt = e.detail.elt;
    if (e.detail.successful && elt.matches && elt.matches("form.add-card, form.add-pipeline")) {
      var action = elt.getAttribute("action");
      setTimeout(function () {
        var form = document.querySelector('form[action="' + CSS.escape(action) + '"]');
        if (form) { form.reset(); var input = form.querySelector("input[name=title], input[name=name]"); if (input) input.focus(); }
      }, 0);
    }
  });

  // --- filter: the server says which cards match; live swaps are filtered again ---------
  var filterTimer = null;
  function filterInput() { return document.getElementById("filter"); }
  function applyFilter() {
    var input = filterInput();
    if (!input || !live()) return;
    var q = input.value.trim();
    var url = new URL(location.href);
    if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
    history.replaceState(history.state, "", url);
    if (!q) {
      document.querySelectorAll(".card[hidden]").forEach(function (c) { c.hidden = false; });
      return;
    }
    fetch(live().getAttribute("data-filter-url") + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || data.q !== filterInput().value.trim()) return;
        var ids = {};
        data.ids.forEach(function (id) { ids[id] = true; });
        document.querySelectorAll(".card[data-card]").forEach(function (c) { c.hidden = !ids[c.getAttribute("data-card")]; });
      });
  }
  function scheduleFilter(delay) {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(applyFilter, delay);
  }
  document.addEventListener("input", function (e) { if (e.target === filterInput()) scheduleFilter(200); });
  document.addEventListener("submit", function (e) {
    if (e.target.classList && e.target.classList.contains("filter")) { e.preventDefault(); scheduleFilter(0); }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    var input = filterInput();
    if (input && input.value.trim()) scheduleFilter(100);
  });

  window.LiveBoard = { resync: resync, version: version };
})();
