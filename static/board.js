/* LiveBoard's one script: no board state, only what the server rendered. */
(function () {
  "use strict";

  var socket = null;      // the ws extension's wrapper
  var retry = 0;
  var ended = false;
  // The words it says come with the page, in its language (board_tags.script_strings).
  var words = document.getElementById("lb-text"), T = words ? JSON.parse(words.textContent) : {};
  function word(key, values) {
    return String(T[key] || key).replace(/\{(\w+)\}/g, function (m, k) { return values && k in values ? values[k] : m; });
  }

  function live() { return document.getElementById("live"); }
  function setStatus(state, text) {
    var el = document.getElementById("live-status");
    if (!el) return;
    el.setAttribute("data-state", state);
    el.textContent = text || "";
  }

  // Our refusals are swapped like any answer (DEBUG's helper would replace the page).
  window.addEventListener("htmx:beforeOnLoad", function (e) {
    if (e.detail.xhr.getResponseHeader("X-LiveBoard-Message")) e.stopPropagation();
  }, true);

  // Presence lists are stamped: an older one never replaces a newer one.
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var frag = e.detail.fragment, incoming = frag.nodeType === 11 ? frag.firstElementChild : frag;
    var nv = incoming && incoming.getAttribute && incoming.getAttribute("data-stamp");
    var tv = e.detail.target.getAttribute("data-stamp");
    if (nv && tv && Number(nv) <= Number(tv)) { e.detail.shouldSwap = false; return; }
    keepTyping(e.detail.target);
  });

  // A live swap must not eat what is being typed inside it.
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
    if (el.closest("details")) el.closest("details").open = true;  // a menu it was typed in stays open
    el.focus();
    try { el.setSelectionRange(saved.start, saved.end); } catch (err) { /* not a text field */ }
  });

  // No answer (network, timeout) is said; what was typed stays. On the xhr: htmx's
  // events miss the document when the sender was swapped out.
  document.addEventListener("htmx:beforeSend", function (e) {
    var write = e.detail.requestConfig.verb !== "get";
    if (!write && isPoll(e.detail.requestConfig.path)) return;  // the status says it
    function say(key) {
      return function () {
        var f = document.getElementById("flash");
        if (f) { f.className = "flash error"; f.textContent = word(key + (write ? "Write" : "")); }
      };
    }
    e.detail.xhr.addEventListener("error", say("unreachable"));
    e.detail.xhr.addEventListener("timeout", say("timeout"));
    // Saved after all? The steps it missed will say.
    if (write) e.detail.xhr.addEventListener("timeout", function () { resync(true); });
  });

  // the socket: status, reconnect, resync
  var open = null;  // the WebSocket now open
  // A socket says which version the page shows: it is sent only what it missed since
  // (the whole board if that is no longer kept, or if `whole` is asked for).
  var whole = false, makeSocket = htmx.createWebSocket;
  htmx.createWebSocket = function (url) { return makeSocket(url + (whole ? "" : "&v=" + shown)); };
  function resync(resume) {
    if (!open || open.readyState !== WebSocket.OPEN) return;
    whole = !resume;
    steps = {};  // the new socket sends everything after what the page shows
    open.dropped = true;
    open = null;
    socket.reconnect();
  }

  // Sockets that never open (a proxy dropping upgrades): poll for the steps until one does.
  var failed = 0, poll = null;
  function isPoll(path) { return live() && path && path.indexOf(live().getAttribute("data-changes-url")) === 0; }
  function polling() {
    clearTimeout(poll);
    poll = setTimeout(function () {
      htmx.ajax("GET", live().getAttribute("data-changes-url") + "?v=" + shown, { source: live(), swap: "none" })
        .then(polling, polling);
    }, 3000);
  }
  document.addEventListener("htmx:afterRequest", function (e) {
    if (poll && isPoll(e.detail.pathInfo && e.detail.pathInfo.requestPath)) {
      // The server answers: only sockets fail. No answer: the server is away.
      if (e.detail.successful) setStatus("delayed", word("delayed"));
      else setStatus("reconnecting", word("reconnecting"));
    }
  });
  document.addEventListener("htmx:wsOpen", function (e) {
    socket = e.detail.socketWrapper;
    open = e.detail.event.target;
    open.opened = true;
    retry = failed = 0;
    whole = false;
    clearTimeout(poll);
    poll = null;
    setStatus("live", "");
  });
  document.addEventListener("htmx:wsClose", function (e) {
    var code = e.detail.event.code, closed = e.detail.event.target;
    if (closed.dropped) return;  // resync() replaced it
    if (closed === open) open = null;
    if (ended) return;
    if (code === 4009 || code === 4422) { ended = true; setTimeout(function () { location.reload(); }, 600); return; }
    if (code === 4401 || code === 4403 || code === 4404) {
      ended = true;
      var status = document.getElementById("live-status");
      if (!status || status.getAttribute("data-state") !== "ended") {
        setStatus("ended", word(code === 4401 ? "loggedOut" : "unavailable"));
      }
      live().setAttribute("data-role", "viewer");
      if (code === 4404) setTimeout(function () { location.href = live().getAttribute("data-home-url"); }, 4000);
      return;
    }
    if (!closed.opened && ++failed >= 2 && !poll) polling();
    var now = document.getElementById("live-status");
    if (!poll || !now || now.getAttribute("data-state") !== "delayed") setStatus("reconnecting", word("reconnecting"));
    // The extension retries only abnormal closes; daphne ends idle ones with 1000.
    if ([1006, 1011, 1012, 1013].indexOf(code) < 0 && e.detail.socketWrapper) {
      var wrapper = e.detail.socketWrapper;
      var delay = Math.min(8000, 500 * Math.pow(2, retry++)) * (0.5 + Math.random() / 2);
      setTimeout(function () { if (!ended && !open) wrapper.reconnect(); }, delay);
    }
  });
  document.addEventListener("htmx:wsError", function () { if (!ended && !poll) setStatus("reconnecting", word("reconnecting")); });

  // the dialog panel
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
  // The board's name is the tab's title too.
  document.addEventListener("htmx:oobAfterSwap", function () {
    var head = document.getElementById("board-head");
    if (head && head.getAttribute("data-title")) document.title = head.getAttribute("data-title");
  });
  document.addEventListener("click", function (e) {
    var close = e.target.closest && e.target.closest("[data-close]");
    if (close && panel() && panel().contains(close)) {
      e.preventDefault();
      panel().close();
    }
  });
  document.addEventListener("close", function (e) {
    if (e.target !== panel()) return;
    // Closing an edit form is cancelling it: the edit claim ends.
    var cancel = panel().querySelector(".cancel-edit");
    if (cancel) htmx.ajax("POST", cancel.getAttribute("hx-post"), { source: live(), swap: "none" });
    panel().innerHTML = "";
  }, true);

  // "5 minutes ago" stays true while the page is open.
  function ago() {
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var s = (Date.now() - Date.parse(el.getAttribute("datetime"))) / 1000, n, u;
      if (isNaN(s) || !T.ago) return;
      if (s < 60) { el.textContent = T.justNow; return; }
      if (s < 3600) { n = Math.floor(s / 60); u = "m"; } else if (s < 86400) { n = Math.floor(s / 3600); u = "h"; } else { n = Math.floor(s / 86400); u = "d"; }
      el.textContent = T.ago[u][n === 1 ? 0 : 1].replace("%(count)d", n);
    });
  }
  setInterval(ago, 30000);
  document.addEventListener("DOMContentLoaded", ago);

  // A form that succeeded is emptied and keeps the focus, even if replaced.
  document.addEventListener("htmx:afterRequest", function (e) {
    var c = e.detail.requestConfig, form = c && c.elt, focus = document.activeElement;
    if (!e.detail.successful || !form || !form.matches("form.add-card, form.add-pipeline, form.comment-form")) return;
    if (!form.isConnected) form = document.querySelector('form[action="' + CSS.escape(form.getAttribute("action")) + '"]');
    var field = form && form.querySelector("input[name=title], input[name=name], textarea");
    if (!field) return;
    if (field.value === c.formData.get(field.name)) field.value = "";  // what was typed since stays
    if (!focus || focus === document.body || form.contains(focus)) field.focus();
  });

  // filter: the server says which cards match; live swaps are filtered again
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
        // Only the cards whose state changes are touched: on a board of thousands each write restyles.
        document.querySelectorAll(".card[data-card]").forEach(function (c) {
          var hide = !ids[c.getAttribute("data-card")];
          if (c.hidden !== hide) c.hidden = hide;
        });
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


  // moving cards and pipelines by mouse, touch or keyboard: each posts the item and its new neighbours
  var moving = null;      // {el, list, parent, next, mode}; steps wait while it is set

  function canEdit() { var l = live(); return l && l.getAttribute("data-role") !== "viewer"; }
  function isCard(el) { return el.classList.contains("card"); }
  function items(list, el) {
    return Array.prototype.filter.call(list.children, function (c) {
      return isCard(el) ? c.classList.contains("card") : c.classList.contains("pipeline");
    });
  }
  function lists(el) { return isCard(el) ? Array.prototype.slice.call(document.querySelectorAll("ol.cards")) : [document.getElementById("pipelines")]; }
  function nameOf(el) {
    var n = isCard(el) ? el.querySelector(".card-link") : el.querySelector(".pipeline-name");
    return n ? n.textContent.trim() : "";
  }
  function placeOf(el) {
    var list = el.parentElement, all = items(list, el), p = isCard(el) && list.closest(".pipeline");
    var at = { n: all.indexOf(el) + 1, total: all.length, pipeline: p ? p.querySelector(".pipeline-name").textContent.trim() : "" };
    return word(isCard(el) ? "placeIn" : "place", at);
  }
  function announce(text, id) {
    var a = document.getElementById(id || "announcer");
    if (a) { a.textContent = ""; setTimeout(function () { a.textContent = text; }, 30); }
  }
  function insert(list, el, before) {
    // Pipelines stay before the end of their strip (the "add pipeline" form).
    if (!before && !isCard(el)) before = document.getElementById("pipelines-end");
    if (el.parentElement !== list || el.nextElementSibling !== before) list.insertBefore(el, before || null);
  }

  function start(el, mode) {
    moving = { el: el, list: el.parentElement, parent: el.parentElement, next: el.nextSibling, mode: mode };
    el.classList.add("moving");
    document.body.classList.add("is-moving");
  }
  function back(m) {
    if (m.parent.isConnected) moveNode(m.parent, m.el, m.next && m.next.parentNode === m.parent ? m.next : null);
  }
  function moveNode(list, el, before) {
    // Moving a node blurs what has the focus inside it: give it back.
    var f = document.activeElement;
    if (el.parentElement === list && el.nextSibling === before) return;
    list.insertBefore(el, before);
    if (f && el.contains(f) && document.activeElement !== f) f.focus({ preventScroll: true });
  }
  function finish(commit, told) {
    // told(ok): whether the server took it (a card deleted meanwhile is refused).
    if (!moving) return false;
    var m = moving;
    m.el.classList.remove("moving");
    document.body.classList.remove("is-moving");
    if (!commit || (m.el.parentElement === m.parent && m.el.nextSibling === m.next)) {
      back(m);
      moving = null;
      drain();
      if (told) told(null);
      return false;
    }
    var list = m.el.parentElement, card = isCard(m.el), attr = card ? "data-card" : "data-pipeline";
    var all = items(list, m.el), i = all.indexOf(m.el), values = {};
    if (card) values.pipeline = list.getAttribute("data-pipeline");
    values.after = i > 0 ? all[i - 1].getAttribute(attr) : "";
    values.before = i < all.length - 1 ? all[i + 1].getAttribute(attr) : "";
    m.posting = true;
    function done() {
      // Back where it was: the answer's step puts it where the server did.
      if (!m.refused) back(m);
      moving = null;
      drain();
      if (told) told(!m.refused);
    }
    htmx.ajax("POST", m.el.getAttribute("data-move-url"), { source: m.el, values: values, swap: "none" }).then(done, done);
    return true;
  }
  // A refused move snaps back; the page asks for the board again.
  document.addEventListener("htmx:afterRequest", function (e) {
    if (!moving || !moving.posting || e.detail.successful) return;
    var m = moving;
    m.refused = true;
    back(m);
    if (m.mode !== "keyboard") announce(word(e.detail.xhr.status ? "refused" : "notSaved"));
    resync();
  });
  // Steps (one per board version) come from the socket and our answers in any order: each
  // goes on top of the one before, once. A lasting gap resumes; a misfit gets the whole board.
  var shown = Number(live() && live().getAttribute("data-v")) || 0;
  var steps = {}, gap = null, fromSocket = false;
  document.addEventListener("htmx:wsBeforeMessage", function (e) {
    e.preventDefault();
    var rest = take(e.detail.message, true);
    swapIn(present(rest).html);
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var r = e.detail.serverResponse;
    if (r && r.indexOf("hx-swap-oob") >= 0 && r.trim()[0] === "<") e.detail.serverResponse = present(take(r, false)).html;
  });
  function take(html, socket) {
    // Files the steps in `html` and returns what else it holds (not versioned).
    var t = document.createElement("template");
    t.innerHTML = html;
    Array.prototype.slice.call(t.content.children).forEach(function (s) {
      if (!s.hasAttribute("data-step")) return;
      var v = Number(s.getAttribute("data-step"));
      if (s.hasAttribute("data-whole") ? v >= shown : v > shown) steps[v] = { html: s.innerHTML, whole: s.hasAttribute("data-whole"), socket: socket, say: s.getAttribute("data-say"), by: s.getAttribute("data-by") };
      s.remove();
    });
    drain();
    return t.innerHTML;
  }
  // Nothing is swapped while an input method composes: the steps wait for compositionend.
  var composing = false;
  document.addEventListener("compositionstart", function () { composing = true; });
  document.addEventListener("compositionend", function () { composing = false; drain(); });
  function drain() {
    if (moving || composing) return;
    var whole = Object.keys(steps).filter(function (v) { return steps[v].whole; }).map(Number);
    if (whole.length) {
      var v = Math.max.apply(null, whole);
      if (!run(steps[v], true)) return;
      shown = v;
    }
    Object.keys(steps).forEach(function (v) { if (Number(v) <= shown) delete steps[v]; });
    while (steps[shown + 1]) {
      var next = steps[shown + 1];
      delete steps[shown + 1];
      shown++;
      if (!run(next, false)) { shown--; steps = {}; resync(); return; }
    }
    clearTimeout(gap);
    gap = Object.keys(steps).length ? setTimeout(function () { gap = null; resync(true); }, 1500) : null;
  }
  function run(step, whole) {
    var kept = present(step.html, step.socket);
    if (kept.html) swapIn(kept.html, step.socket);
    if (step.socket && step.say && step.by !== live().getAttribute("data-user")) tell(step.say);
    renumber();
    return whole || kept.fits;
  }
  function place(el, socket) {
    // Moves a node the page has: its new parent, right after `data-after` (none: first).
    var item = document.getElementById(el.id), list = document.getElementById(el.getAttribute("data-in"));
    var after = el.getAttribute("data-after"), prev = after && document.getElementById(after);
    if (!item || !list || (after && (!prev || prev.parentElement !== list))) return false;
    moveNode(list, item, prev ? prev.nextSibling : list.firstChild);
    if (socket) changed(item, el.getAttribute("data-by"));
    return true;
  }
  // Others' changes are said politely, a burst in one announcement (the server wrote each sentence).
  var news = [];
  function tell(text) {
    if (news.push(text) > 1) return;
    setTimeout(function () {
      var n = news.length, more = document.getElementById("news").getAttribute("data-more");
      announce(n > 4 ? news.slice(0, 3).join(" ") + " " + more.replace("%(n)s", n - 3) : news.join(" "), "news");
      news = [];
    }, 1500);
  }
  function renumber() {
    document.querySelectorAll("#pipelines > .pipeline input[name=position]").forEach(function (input, i) {
      if (input !== document.activeElement) input.value = i + 1;
    });
  }
  function present(html, socket) {
    // Drops parts for what the page lacks: unless optional (data-opt) or a deletion, a misfit.
    var t = document.createElement("template"), keep = [], fits = true;
    t.innerHTML = html;
    Array.prototype.forEach.call(t.content.children, function (el) {
      if (el.hasAttribute("data-in")) { fits = place(el, socket) && fits; return; }
      var oob = el.getAttribute("hx-swap-oob") || "true", i = oob.indexOf(":");
      if (document.querySelector(i > 0 ? oob.slice(i + 1) : "#" + CSS.escape(el.id))) {
        // What a step inserts may be here already (a page rendered just after it): once.
        if (/^(after|before)/.test(oob)) Array.prototype.slice.call(el.children).forEach(function (c) {
          if (c.id && document.getElementById(c.id)) c.remove();
        });
        el.setAttribute("hx-swap-oob", oob);
        keep.push(el.outerHTML);
      } else if (!el.hasAttribute("data-opt") && oob !== "delete") fits = false;
    });
    return { html: keep.join(""), fits: fits };
  }
  function swapIn(html, socket) {
    if (!html) return;
    fromSocket = !!socket;
    try { htmx.swap(document.body, html, { swapStyle: "none" }); } finally { fromSocket = false; }
  }
  // Someone else's change flashes (CSS). Not a class: htmx's settle restores classes.
  document.addEventListener("htmx:oobAfterSwap", function (e) {
    if (fromSocket) changed(e.target, e.target.getAttribute && e.target.getAttribute("data-by"));
  });
  function changed(el, by) {
    if (!by || by === live().getAttribute("data-user")) return;
    el.setAttribute("data-changed", "");
    setTimeout(function () { el.removeAttribute("data-changed"); }, 2000);
  }

  function nearest(list, el, x, y) {
    // The item `el` would land before.
    var all = items(list, el).filter(function (c) { return c !== el; });
    for (var i = 0; i < all.length; i++) {
      var r = all[i].getBoundingClientRect();
      if (isCard(el) ? y < r.top + r.height / 2 : x < r.left + r.width / 2) return all[i];
    }
    return null;
  }
  function dragTo(x, y) {
    var under = document.elementFromPoint(x, y);
    if (!under || !moving) return;
    var el = moving.el, list;
    if (isCard(el)) {
      var p = under.closest(".pipeline");
      list = p && p.querySelector("ol.cards");
    } else {
      list = under.closest("#pipelines");
    }
    if (list) insert(list, el, nearest(list, el, x, y));
  }

  // Mouse: native HTML5 drag and drop.
  document.addEventListener("dragstart", function (e) {
    var el = e.target.closest && (e.target.closest(".card") || (e.target.closest(".pipeline-head") && e.target.closest(".pipeline")));
    if (!el || !canEdit() || moving) { if (el) e.preventDefault(); return; }
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", el.id);
    start(el, "mouse");
  });
  document.addEventListener("dragover", function (e) {
    if (!moving || moving.mode !== "mouse") return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    dragTo(e.clientX, e.clientY);
  });
  document.addEventListener("drop", function (e) {
    if (!moving || moving.mode !== "mouse") return;
    e.preventDefault();
    moving.dropped = true;
    dragTo(e.clientX, e.clientY);  // a quick drop may have had no dragover there
    finish(true);
  });
  document.addEventListener("dragend", function () {
    if (moving && moving.mode === "mouse" && !moving.dropped) finish(false);
  });

  // Touch: press and hold, then drag; a short tap still opens the card.
  var hold = null;
  document.addEventListener("pointerdown", function (e) {
    if (e.pointerType !== "touch" || !canEdit() || moving) return;
    var el = e.target.closest(".card") || (e.target.closest(".pipeline-head") && e.target.closest(".pipeline"));
    if (!el) return;
    hold = { x: e.clientX, y: e.clientY, timer: setTimeout(function () {
      hold = null;
      start(el, "touch");
      if (navigator.vibrate) navigator.vibrate(20);
    }, 350) };
  });
  document.addEventListener("pointermove", function (e) {
    if (hold && Math.abs(e.clientX - hold.x) + Math.abs(e.clientY - hold.y) > 10) { clearTimeout(hold.timer); hold = null; }
    if (!moving || moving.mode !== "touch") return;
    e.preventDefault();
    dragTo(e.clientX, e.clientY);
    autoScroll(e.clientX, e.clientY);
  });
  document.addEventListener("touchmove", function (e) { if (moving && moving.mode === "touch") e.preventDefault(); }, { passive: false });
  document.addEventListener("contextmenu", function (e) { if (moving && moving.mode === "touch") e.preventDefault(); });
  function endTouch(e) {
    if (hold) { clearTimeout(hold.timer); hold = null; }
    if (!moving || moving.mode !== "touch") return;
    noClickUntil = Date.now() + 500;
    finish(e.type === "pointerup");
  }
  document.addEventListener("pointerup", endTouch);
  document.addEventListener("pointercancel", endTouch);
  // The click that ends a touch drag must not open the card.
  var noClickUntil = 0;
  document.addEventListener("click", function (e) {
    if (Date.now() < noClickUntil) { e.preventDefault(); e.stopPropagation(); }
  }, true);
  function autoScroll(x, y) {
    var edge = 48, strip = document.querySelector(".strip-scroll");
    if (y < edge) window.scrollBy(0, -12); else if (y > window.innerHeight - edge) window.scrollBy(0, 12);
    if (strip) { if (x < edge) strip.scrollLeft -= 12; else if (x > window.innerWidth - edge) strip.scrollLeft += 12; }
  }

  // Keyboard: Space or Enter picks up and drops, arrows move, Escape cancels.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var el = t.classList && (t.classList.contains("card") ? t : t.classList.contains("pipeline-name") ? t.closest(".pipeline") : null);
    if (!el || !canEdit()) return;
    var key = e.key;
    if (!moving) {
      if (key !== " " && key !== "Enter") return;
      e.preventDefault();
      start(el, "keyboard");
      announce(word("pickedUp", { name: nameOf(el), place: placeOf(el) }));
      return;
    }
    if (moving.mode !== "keyboard" || moving.el !== el) return;
    var list = el.parentElement, all = items(list, el), i = all.indexOf(el);
    var vertical = isCard(el);
    var back = vertical ? "ArrowUp" : "ArrowLeft", fwd = vertical ? "ArrowDown" : "ArrowRight";
    if (key === " " || key === "Enter") {
      e.preventDefault();
      var where = placeOf(el), name = nameOf(el);
      finish(true, function (ok) {
        if (ok === null) announce(word("droppedHere"));
        else announce(word(ok ? "dropped" : "refusedBack", { name: name, place: where }));
      });
    } else if (key === "Escape") {
      e.preventDefault();
      finish(false);
      announce(word("cancelled", { name: nameOf(el), place: placeOf(el) }));
    } else if (key === back || key === fwd) {
      e.preventDefault();
      if (key === back && i > 0) insert(list, el, all[i - 1]);
      else if (key === fwd && i < all.length - 1) insert(list, el, all[i + 1].nextElementSibling);
      refocus(el);
    } else if (vertical && (key === "ArrowLeft" || key === "ArrowRight")) {
      e.preventDefault();
      var ls = lists(el), j = ls.indexOf(list) + (key === "ArrowLeft" ? -1 : 1);
      if (j >= 0 && j < ls.length) {
        var target = items(ls[j], el);
        insert(ls[j], el, target[Math.min(i, target.length)] || null);
        refocus(el);
      }
    } else return;
    if (moving && !moving.posting && key !== "Escape" && key !== " " && key !== "Enter") announce(word("at", { place: placeOf(el) }));
  });
  function refocus(el) {
    var f = isCard(el) ? el : el.querySelector(".pipeline-name");
    f.focus();
    f.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  window.LiveBoard = { resync: resync, shown: function () { return shown; } };
})();
