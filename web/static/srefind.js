// Progressive enhancement only: every feature works without this file.
// The URL stays the source of truth: live search rewrites it with history.pushState/replaceState,
// and every other change (a facet, sort, a page) is an ordinary link or form submission.
(function () {
  "use strict";
  var FOCUS_KEY = "srefind:focus";

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }  // blocked storage: no focus memory
  }

  // After a facet toggled from the keyboard loads its new page, put focus back on that facet value,
  // so a keyboard user goes on from where they were instead of from the top of the page.
  function remember(a) {
    var s = storage();
    if (s) { s.setItem(FOCUS_KEY, JSON.stringify({ facet: a.dataset.facet, value: a.dataset.value, url: a.href })); }
  }

  function restoreFocus() {
    var s = storage();
    var raw = s && s.getItem(FOCUS_KEY);
    if (!raw) { return; }
    s.removeItem(FOCUS_KEY);
    var want;
    try { want = JSON.parse(raw); } catch (e) { return; }
    if (!want || want.url !== location.href) { return; }
    var links = document.querySelectorAll(".facet-value");
    for (var i = 0; i < links.length; i++) {
      if (links[i].dataset.facet === want.facet && links[i].dataset.value === want.value) {
        links[i].focus();
        return;
      }
    }
  }

  // Wire the facet sidebar (again after a live update replaced it).
  var NARROW = window.matchMedia ? window.matchMedia("(max-width: 700px)") : null;

  function enhance(root) {
    // On a wide screen the filters are open beside the results; on a phone they stay closed
    // under their "Filters (n)" control, so the results come first.
    if (!NARROW || !NARROW.matches) {
      root.querySelectorAll("details.filters").forEach(function (d) { d.open = true; });
    }
    // A new sort order applies as soon as it is picked; "Apply" is for pages without this script.
    root.querySelectorAll("form.sort button[type=submit]").forEach(function (b) { b.hidden = true; });
    // Filter long facet lists as you type.
    root.querySelectorAll(".facet-filter").forEach(function (input) {
      input.hidden = false;  // useful only with this script, so shown only with it
      var list = document.getElementById(input.dataset.target);
      input.addEventListener("input", function () {
        var needle = input.value.toLowerCase();
        list.querySelectorAll("li").forEach(function (li) {
          li.hidden = needle && li.textContent.toLowerCase().indexOf(needle) === -1;
        });
      });
    });
    // Facet links behave as checkboxes for the keyboard: Space toggles like Enter.
    root.querySelectorAll(".facet-value").forEach(function (a) {
      a.addEventListener("keydown", function (ev) {
        if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) { return; }
        if (ev.key === "Enter") { remember(a); }
        if (ev.key === " " || ev.key === "Spacebar") { ev.preventDefault(); remember(a); a.click(); }
      });
    });
  }

  enhance(document);
  restoreFocus();
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t && t.id === "sort" && t.form) { t.form.submit(); }
  });

  // A talk's video: a link without this script; with it, a "Play here" button that inserts the
  // privacy-enhanced player on request (nothing is loaded from the video host before that).
  document.querySelectorAll("button.play[data-player]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = btn.dataset.player;
      frame.title = "Video player";
      frame.width = "560"; frame.height = "315";
      frame.setAttribute("allow", "encrypted-media; picture-in-picture; fullscreen");
      frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
      btn.replaceWith(frame);
    });
  });

  // "Back to results" returns to the exact previous state (scroll position too) when we came from a
  // search; without this script its href is already the search page we came from.
  document.querySelectorAll("[data-back]").forEach(function (a) {
    var ref = null;
    try { ref = document.referrer ? new URL(document.referrer) : null; } catch (e) { ref = null; }
    if (ref && ref.origin === location.origin && ref.pathname === "/" && history.length > 1) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); history.back(); });
    }
  });

  // Search as you type, debounced. Only on the search page: the results are fetched and swapped in
  // place, so the caret stays in the box and no keystroke is lost to a page load.
  var q = document.getElementById("q");
  var layout = document.querySelector(".layout");
  if (!q || !q.form || !layout || !window.fetch || !window.DOMParser || !window.AbortController) { return; }
  var form = q.form;
  var DEBOUNCE_MS = 300;
  var timer = null;
  var inflight = null;
  var pushed = false;  // one history entry per typing session, replaced as the query grows
  var shown = location.pathname + location.search;  // the state the page shows now

  function currentUrl() { return location.pathname + location.search; }

  function formUrl() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (v !== "") { params.append(k, v); } });
    var qs = params.toString();
    return "/" + (qs ? "?" + qs : "");
  }

  function swapIn(doc) {
    var fresh = doc.querySelector(".layout");
    document.title = doc.title;
    var nav = layout.querySelector(".facets");
    var freshNav = fresh.querySelector(".facets");
    if (nav && freshNav) { nav.replaceWith(freshNav); }
    var main = layout.querySelector("main");
    var freshMain = fresh.querySelector("main");
    // The live region stays in the document and only its content changes, so it is announced.
    var summary = main.querySelector(".summary");
    var freshSummary = freshMain.querySelector(".summary");
    summary.innerHTML = freshSummary.innerHTML;
    Array.prototype.slice.call(main.childNodes).forEach(function (n) { if (n !== summary) { main.removeChild(n); } });
    Array.prototype.slice.call(freshMain.childNodes).forEach(function (n) { if (n !== freshSummary) { main.appendChild(n); } });
    // The hidden filter inputs of the search form and the JSON link follow the new state.
    var hidden = form.querySelectorAll("input[type=hidden]");
    hidden.forEach(function (h) { h.remove(); });
    var button = form.querySelector("button");
    doc.querySelectorAll("form.searchbox input[type=hidden]").forEach(function (h) { form.insertBefore(h, button); });
    var json = document.getElementById("json-link");
    var freshJson = doc.getElementById("json-link");
    if (json && freshJson) { json.setAttribute("href", freshJson.getAttribute("href")); }
    enhance(layout);
  }

  // how: "push" or "replace" the history entry, or null when the URL is already right (popstate).
  function load(url, how) {
    if (inflight) { inflight.abort(); }
    var ctrl = new AbortController();
    inflight = ctrl;
    var main = layout.querySelector("main");
    main.setAttribute("aria-busy", "true");
    fetch(url, { signal: ctrl.signal, credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (resp) {
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        return resp.text();
      })
      .then(function (html) {
        if (inflight !== ctrl) { return; }  // a newer request owns the page
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!doc.querySelector(".layout .summary")) { throw new Error("not a results page"); }
        if (how === "push") { history.pushState(null, "", url); }
        else if (how === "replace") { history.replaceState(null, "", url); }
        swapIn(doc);
        shown = url;
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") { return; }
        // let the server render it, errors included
        if (how) { location.assign(url); } else { location.reload(); }
      })
      .then(function () {
        if (inflight === ctrl) {
          inflight = null;
          var m = layout.querySelector("main");
          if (m) { m.removeAttribute("aria-busy"); }
        }
      });
  }

  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = q.value.trim();
      if (text.length > 0 && text.length < 3) { return; }
      var url = formUrl();
      if (url === currentUrl()) { return; }
      load(url, pushed ? "replace" : "push");
      pushed = true;
    }, DEBOUNCE_MS);
  });
  form.addEventListener("submit", function () {
    clearTimeout(timer);
    if (inflight) { inflight.abort(); }
  });
  window.addEventListener("popstate", function () {
    if (currentUrl() === shown) { return; }  // only the #fragment changed (the skip link)
    clearTimeout(timer);
    pushed = false;
    q.value = new URLSearchParams(location.search).get("q") || "";
    load(currentUrl(), null);
  });
})();
