// Counts each clock down between page loads (progressive enhancement: the page is whole without it).
// An element with data-countdown="<ISO instant>" shows the time left as h:mm:ss, or past due as -h:mm:ss,
// with whole days before it in the page's language ("2 days", "2天": the browser's Intl, not a word of ours).
"use strict";
(function () {
  const days = new Intl.NumberFormat(document.documentElement.lang || undefined,
    { style: "unit", unit: "day", unitDisplay: "short" });
  function text(ms) {
    const sign = ms < 0 ? "-" : "";
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const pad = (n) => String(n).padStart(2, "0");
    return sign + (d ? days.format(d) + " " : "") + h + ":" + pad(m) + ":" + pad(s);
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      const due = Date.parse(el.getAttribute("data-countdown"));
      if (!Number.isNaN(due)) {
        el.textContent = text(due - now);
        el.setAttribute("data-remaining", String(Math.round((due - now) / 1000)));
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
