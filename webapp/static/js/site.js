/* Behaviour shared by every page. No inline script: the pages load this file only.
   1. A form's error summary takes the focus when the page opens, and its links move the focus
      to the field they name (a radio or checkbox group: its first choice).
   2. A signed-in user is warned before the session times out and can continue it.
   3. A progress region (data-poll) is brought up to date every few seconds by fetching its page
      again and swapping the region only: no meta refresh reloading the whole page. */
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (!summary) { return; }
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) { return; }
      var field = target.matches("input, select, textarea, button")
        ? target : target.querySelector("input, select, textarea, button");
      if (!field) { return; }
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']");
      var fieldset = field.closest("fieldset");
      (fieldset && fieldset.querySelector("legend") || label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function sessionWarning() {
    var dialog = document.getElementById("session-warning");
    if (!dialog) { return; }
    var lifetime = Number(dialog.dataset.lifetime) * 1000;
    var warning = Number(dialog.dataset.warning) * 1000;
    var remaining = document.getElementById("session-remaining");
    var live = dialog.querySelector(".session-live");
    var expired = dialog.querySelector(".session-expired");
    var button = document.getElementById("session-continue");
    var deadline = 0;
    var warnTimer = null;
    var tick = null;

    function show() {
      dialog.hidden = false;
      if (!dialog.open) { dialog.showModal(); }
    }

    function expire() {
      clearInterval(tick);
      live.hidden = true;
      expired.hidden = false;
      show();
      var login = expired.querySelector("a");
      if (login) { login.focus(); }
    }

    function countdown() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      remaining.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
      if (left <= 0) { expire(); }
    }

    function warn() {
      countdown();
      show();
      button.focus();
      tick = setInterval(countdown, 1000);
    }

    function start() {
      clearTimeout(warnTimer);
      clearInterval(tick);
      deadline = Date.now() + lifetime;
      warnTimer = setTimeout(warn, Math.max(0, lifetime - warning));
    }

    button.addEventListener("click", function () {
      fetch(dialog.dataset.keepalive, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRFToken": dialog.dataset.csrf }
      }).then(function (response) {
        if (response.status !== 204) { expire(); return; }
        dialog.close();
        dialog.hidden = true;
        start();
      }, expire);
    });
    dialog.addEventListener("cancel", function (event) {
      // Escape means "continue" while the session can still be continued.
      event.preventDefault();
      if (!live.hidden) { button.click(); }
    });
    start();
  }

  function pollProgress() {
    var region = document.querySelector("[data-poll][id]");
    if (!region || !window.fetch || !window.DOMParser) { return; }
    var url = region.getAttribute("data-poll");
    function again() { window.setTimeout(tick, 3000); }
    function tick() {
      window.fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          var fresh = html && new DOMParser().parseFromString(html, "text/html")
            .getElementById(region.id);
          if (!fresh) { again(); return; }
          region.innerHTML = fresh.innerHTML;
          if (fresh.hasAttribute("data-poll")) { again(); } else { region.removeAttribute("data-poll"); }
        })
        .catch(again);
    }
    again();
  }

  function ready() {
    focusErrorSummary();
    sessionWarning();
    pollProgress();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
