// The complaints dashboard: reads the projection's query API with the user's key and follows its
// Server-Sent Events stream to stay live. Plain ES2020, no libraries, nothing from the internet.
//
// Every value shown is written with textContent (never innerHTML): complaint texts are typed by the
// public and must not become markup. Every number carries a data-testid and its raw JSON value in
// data-value, so tests compare the page with the API exactly.
"use strict";

(() => {
  const KEY_STORAGE = "complaints.dashboard.key";
  const KEY_HEADER = "X-Office-Key";
  const PAGE_SIZE = 50;
  const VIOLATIONS_SHOWN = 200;
  const REFRESH_AFTER_MS = 1000; // changes arrive in bursts: refresh at most once a second
  const RECONNECT_MS = [1000, 2000, 5000, 10000];

  const $ = (id) => document.getElementById(id);

  // -- words ----------------------------------------------------------------------------------
  //
  // The page's language is chosen by the server (?lang=, else remembered, else Accept-Language) and
  // set on <html lang>; this script's words in it arrive as data in #messages (English ids -> words,
  // from the same gettext catalogues as the page: pybabel extracts the calls of _ below).
  const LANG = document.documentElement.lang || "en";
  const MESSAGES = JSON.parse(document.getElementById("messages")?.textContent || "{}");
  const _ = (text) => MESSAGES[text] || text;
  /** A sentence with %(name)s placeholders filled in (the catalogues' python-format). */
  const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_match, name) => String(values[name]));

  // The values the API sends as codes, in the page's words (a code not listed is shown as it is:
  // business areas are the group's own words, and a new code must not break the page).
  const VALUES = {
    unregistered: _("unregistered"), registered: _("registered"), triaged: _("triaged"), routed: _("routed"),
    "in-handling": _("in handling"), reopened: _("reopened"), resulted: _("resulted"), replied: _("replied"),
    visited: _("visited"), closed: _("closed"), declined: _("judged invalid: explanation owed"),
    explained: _("judged invalid: explained"),
    minor: _("minor"), important: _("important"), major: _("major"),
    valid: _("valid"), assisted: _("assisted"), invalid: _("invalid"),
    effective: _("effective"), communication: _("communication"),
    done: _("done"), "done-under-extension": _("done under extension"), late: _("late"), pending: _("pending"),
    overdue: _("overdue"), waived: _("waived"), "not-applicable": _("not applicable"), waiting: _("waiting"),
    recorded: _("recorded"), handled: _("handled"), result: _("result"), reply: _("reply"),
    "return-visit": _("return visit"),
    phone: _("phone"), "walk-in": _("walk-in"), text: _("text message"), video: _("video"), app: _("app"),
    letter: _("letter"), email: _("e-mail"), hotline: _("hotline"),
    "sequence-gap": _("missing registration numbers"), "hotline-unregistered": _("hotline call not registered"),
    "hotline-registered-late": _("hotline call registered late"), "late-registration": _("late registration"),
    "registered-late": _("registered late"), "outlier-office": _("outlier office"),
    validity: _("validity"), nature: _("nature"), category: _("category"), severity: _("severity"),
    routing: _("routing"),
    "everything recorded": _("everything recorded"), "everything handled": _("everything handled"),
    "everything has a result": _("everything has a result"),
    "everything has a return visit": _("everything has a return visit"),
    offline: _("offline"), polling: _("polling"), live: _("live"), reconnecting: _("reconnecting"),
  };
  const word = (code) => (code === null || code === undefined || code === "" ? "—" : VALUES[code] || code);
  // A business area or department: its word in the page's language where the group's bundled vocabulary
  // has one (#codes, from shared/contracts/labels.py), else the code as sent (one the group added).
  const CODES = JSON.parse(document.getElementById("codes")?.textContent || "{}");
  const coded = (vocabulary, code) =>
    code === null || code === undefined || code === "" ? "—" : (CODES[vocabulary] || {})[code] || code;
  const areaWord = (code) => coded("area", code);
  const byTestId = (testId) => document.querySelector(`[data-testid="${testId}"]`);

  const state = {
    key: null,
    groupKey: false, // a group or auditor key: may pick any office
    ownOffice: null, // the office of an office key
    office: "", // "" = the whole group
    week: "",
    month: "",
    violatingOnly: false,
    page: 0,
    generation: 0, // discards answers of superseded refreshes
    openComplaint: null,
    streamAbort: null,
    officeNames: {}, // office id -> its name in the page's language (the directory's, from /offices)
    refreshTimer: null,
  };

  /** An office as the page shows it: the directory's name in the page's language, else its id. */
  const officeName = (id) => (id ? state.officeNames[id] || id : DASH);
  /** A table cell naming an office: its name, the id in the title and data-office. */
  const officeCell = (id) => h("td", { title: id, "data-office": id, "data-testid": "office-name" }, officeName(id));

  /** The offices' names (every office the key may read) in the page's language. */
  async function loadNames() {
    const offices = await api("/offices", { lang: LANG });
    state.officeNames = Object.fromEntries(offices.map((o) => [o.office_id, o.name]));
  }

  // -- HTTP -----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, detail) {
      super(typeof detail === "string" ? detail : describeDetail(detail));
      this.status = status;
    }
  }

  function describeDetail(detail) {
    if (Array.isArray(detail)) {
      return detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
    }
    return JSON.stringify(detail);
  }

  async function api(path, params = {}) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== "" && value !== null && value !== undefined && value !== false) query.set(name, value);
    }
    const url = query.toString() ? `${path}?${query}` : path;
    const answer = await fetch(url, { headers: { [KEY_HEADER]: state.key, Accept: "application/json" } });
    if (!answer.ok) {
      let detail = answer.statusText;
      try {
        detail = (await answer.json()).detail;
      } catch (_) {
        /* not JSON: keep the status text */
      }
      throw new ApiError(answer.status, detail);
    }
    return answer.json();
  }

  // -- formatting -----------------------------------------------------------------------------

  const integer = new Intl.NumberFormat(LANG);
  const DASH = "—";

  function fmtInt(value) {
    return value === null || value === undefined ? DASH : integer.format(value);
  }

  function fmtPct(value) {
    return value === null || value === undefined ? DASH : `${(value * 100).toFixed(1)}%`;
  }

  function fmtDecimal(value, digits) {
    return value === null || value === undefined ? DASH : Number(value).toFixed(digits);
  }

  const dateTime = new Intl.DateTimeFormat(LANG === "en" ? "en-GB" : LANG, {
    // the zone named: the times are the browser's, and an office's people may read them elsewhere (UTC+8 offices)
    year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
    timeZoneName: "short",
  });

  function fmtTime(iso) {
    return iso ? dateTime.format(new Date(iso)) : DASH;
  }

  /** A <time> element: readable text, the exact instant in datetime and title. */
  function timeElement(iso, testId) {
    const element = h("time", { "data-testid": testId }, fmtTime(iso));
    if (iso) {
      element.dateTime = iso;
      element.title = iso;
    }
    return element;
  }

  /** Build an element: h("td", {class: "num", "data-testid": "x"}, child, "text", ...). */
  function h(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") element.className = value;
      else if (name === "onclick") element.addEventListener("click", value);
      else element.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  /** Set a number: formatted text for people, the raw value for tests and tools. */
  function setNumber(target, value, format = fmtInt) {
    const element = typeof target === "string" ? byTestId(target) : target;
    element.textContent = format(value);
    element.dataset.value = value === null || value === undefined ? "" : String(value);
  }

  function numberCell(testId, value, format = fmtInt) {
    const cell = h("td", { class: "num", "data-testid": testId });
    setNumber(cell, value, format);
    return cell;
  }

  function complianceRate(compliance) {
    const judged = compliance.met + compliance.met_under_extension + compliance.breached;
    return judged ? (compliance.met + compliance.met_under_extension) / judged : null;
  }

  // -- key and scope --------------------------------------------------------------------------

  function showError(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = !message;
  }

  function askForKey(message) {
    stopStream();
    sessionStorage.removeItem(KEY_STORAGE);
    state.key = null;
    $("main").hidden = true;
    $("forget-key").hidden = true;
    $("key-panel").hidden = false;
    $("scope-label").textContent = DASH;
    showError(message || "");
    $("key-input").focus();
  }

  async function openWithKey(key) {
    state.key = key;
    showError("");
    let group;
    try {
      // The scope the API answers tells the key's kind: "group" for group and auditor keys.
      group = await api("/statistics");
    } catch (error) {
      if (error.status === 401) return askForKey(_("That key is not known. Check it and try again."));
      showError(fmt(_("The dashboard cannot reach the projection: %(reason)s"), { reason: error.message }));
      return;
    }
    sessionStorage.setItem(KEY_STORAGE, key);
    state.groupKey = group.scope === "group";
    state.ownOffice = state.groupKey ? null : group.scope;
    $("key-panel").hidden = true;
    $("forget-key").hidden = false;
    $("main").hidden = false;
    readLocation();
    await loadNames();
    if (state.groupKey) await loadOffices();
    $("office-field").hidden = !state.groupKey;
    await refresh();
    startStream();
  }

  async function loadOffices() {
    const byOffice = await api("/statistics/offices");
    const select = $("office-select");
    const keep = state.office;
    select.replaceChildren(h("option", { value: "" }, _("All offices (group)")));
    for (const office of Object.keys(byOffice).sort()) select.append(h("option", { value: office }, officeName(office)));
    if (keep && !(keep in byOffice)) select.append(h("option", { value: keep }, officeName(keep)));
    select.value = keep;
  }

  // The chosen office and period live in the address (#office=…&week=…), so a view can be shared.
  function readLocation() {
    const params = new URLSearchParams(location.hash.slice(1));
    state.office = params.get("office") || (state.groupKey ? "" : state.ownOffice);
    state.week = params.get("week") || "";
    state.month = state.week ? "" : params.get("month") || "";
    state.violatingOnly = params.get("violating") === "1";
    $("office-select").value = state.office;
    $("week-input").value = state.week;
    $("month-input").value = state.month;
    $("violating-only").checked = state.violatingOnly;
  }

  function writeLocation() {
    const params = new URLSearchParams();
    if (state.office && state.office !== state.ownOffice) params.set("office", state.office);
    if (state.week) params.set("week", state.week);
    if (state.month) params.set("month", state.month);
    if (state.violatingOnly) params.set("violating", "1");
    history.replaceState(null, "", params.toString() ? `#${params}` : location.pathname);
  }

  function scopeName() {
    return state.office ? fmt(_("office %(office)s"), { office: officeName(state.office) }) : _("the whole group");
  }

  function periodName() {
    if (state.week) return fmt(_("week %(week)s"), { week: state.week });
    if (state.month) return fmt(_("month %(month)s"), { month: state.month });
    return _("all time");
  }

  // -- loading everything ---------------------------------------------------------------------

  async function refresh() {
    const generation = ++state.generation;
    clearTimeout(state.refreshTimer);
    state.refreshTimer = null;
    const main = $("main");
    main.setAttribute("aria-busy", "true");
    const office = state.office || null;
    const period = { week: state.week, month: state.month };
    try {
      const [stats, signals, violations, complaints, offices] = await Promise.all([
        api("/statistics", { office, ...period, lang: LANG }),
        api("/signals", { office }),
        api("/violations", { office, limit: VIOLATIONS_SHOWN }),
        api("/complaints", {
          office, ...period, violating: state.violatingOnly ? "true" : "", order: "newest",
          limit: PAGE_SIZE, offset: state.page * PAGE_SIZE,
        }),
        state.groupKey && !office ? api("/statistics/offices") : Promise.resolve(null),
      ]);
      if (generation !== state.generation) return; // a newer refresh is under way
      if (office) state.officeNames[office] = stats.office_name || office; // a name changed meanwhile
      showError("");
      renderScope();
      renderStatistics(stats.statistics);
      renderOffices(offices);
      renderViolations(violations);
      renderSignals(signals);
      renderComplaints(complaints);
      setUpdated(stats.judged_at);
      main.dataset.loaded = String(generation);
    } catch (error) {
      if (generation !== state.generation) return;
      if (error.status === 401) return askForKey(_("The key is no longer accepted. Enter it again."));
      clearNumbers();
      showError(
        error.status === 403
          ? fmt(_("Not allowed: %(reason)s. Your key shows %(scope)s only."), {
            reason: error.message,
            scope: state.ownOffice ? fmt(_("office %(office)s"), { office: officeName(state.ownOffice) }) : _("its scope"),
          })
          : fmt(_("Could not load the dashboard (%(status)s): %(reason)s"), {
            status: error.status || _("network"), reason: error.message,
          }),
      );
      main.dataset.loaded = `error-${generation}`;
    } finally {
      if (generation === state.generation) main.setAttribute("aria-busy", "false");
    }
  }

  /** After an error nothing stale may stay on screen: every number goes back to a dash. */
  function clearNumbers() {
    for (const element of $("main").querySelectorAll("dd[data-testid], .big [data-testid], h2 [data-testid]")) {
      element.textContent = DASH;
      element.dataset.value = "";
    }
    for (const id of ["pareto-rows", "office-rows", "violation-rows", "signal-rows", "complaint-rows"]) {
      $(id).replaceChildren();
    }
    $("pareto-chart").replaceChildren();
    $("offices-section").hidden = true;
    $("page-label").textContent = "";
    $("page-previous").disabled = $("page-next").disabled = true;
  }

  function scheduleRefresh() {
    if (state.refreshTimer === null) state.refreshTimer = setTimeout(refresh, REFRESH_AFTER_MS);
  }

  function renderScope() {
    $("scope-label").textContent = scopeName();
    $("period-label").textContent = periodName();
    for (const note of document.querySelectorAll("[data-period]")) note.textContent = `(${periodName()})`;
    document.title = fmt(_("Complaints: %(scope)s"), { scope: scopeName() });
  }

  function setUpdated(iso) {
    const element = $("updated-at");
    element.textContent = fmtTime(iso);
    element.dateTime = iso;
    element.title = fmt(_("judged at %(instant)s"), { instant: iso });
  }

  function renderStatistics(stats) {
    setNumber("count-complaints", stats.complaints);
    setNumber("count-valid", stats.valid);
    setNumber("count-assisted", stats.assisted);
    setNumber("count-invalid", stats.invalid);
    setNumber("count-untriaged", stats.untriaged);
    setNumber("count-violations", stats.violations);
    setNumber("repeat-complainants", stats.repeat_complainants);
    setNumber("per-million-units", stats.per_million_units, (v) => fmtDecimal(v, 1));

    const compliance = stats.compliance;
    setNumber("compliance-met", compliance.met);
    setNumber("compliance-met-under-extension", compliance.met_under_extension);
    setNumber("compliance-breached", compliance.breached);
    setNumber("compliance-rate", complianceRate(compliance), fmtPct);
    const judged = compliance.met + compliance.met_under_extension + compliance.breached || 1;
    const [met, extended, breached] = $("compliance-bar").children;
    met.style.width = `${(100 * compliance.met) / judged}%`;
    extended.style.width = `${(100 * compliance.met_under_extension) / judged}%`;
    breached.style.width = `${(100 * compliance.breached) / judged}%`;

    setNumber("return-visits-due", stats.return_visits.due);
    setNumber("return-visits-made", stats.return_visits.made);
    setNumber("return-visit-rate", stats.return_visits.rate, fmtPct);
    setNumber("satisfaction-average", stats.satisfaction.average, (v) => fmtDecimal(v, 2));
    setNumber("satisfaction-dissatisfied", stats.satisfaction.dissatisfied);

    renderPareto(stats.categories);
  }

  // -- the Pareto chart (inline SVG: bars for counts, a line for the cumulative share) --------------

  const SVG = "http://www.w3.org/2000/svg";

  function svg(tag, attributes = {}, text) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function renderPareto(categories) {
    const rows = categories.map((c) =>
      h(
        "tr",
        { "data-testid": "pareto-row", "data-category": c.category },
        h("th", { scope: "row", title: c.category }, areaWord(c.category)),
        numberCell("pareto-count", c.count),
        numberCell("pareto-share", c.share, fmtPct),
        numberCell("pareto-cumulative", c.cumulative_share, fmtPct),
      ),
    );
    $("pareto-rows").replaceChildren(...rows);
    const chart = $("pareto-chart");
    if (!categories.length) {
      chart.replaceChildren(h("p", { class: "hint" }, _("No valid complaints in this period.")));
      return;
    }
    const width = 760, height = 280, left = 44, right = 48, top = 16, bottom = 86;
    const plotW = width - left - right, plotH = height - top - bottom;
    const maxCount = Math.max(...categories.map((c) => c.count), 1);
    const slot = plotW / categories.length;
    const barW = Math.min(56, slot * 0.7);
    const yCount = (n) => top + plotH - (plotH * n) / maxCount;
    const yShare = (s) => top + plotH - plotH * s;
    const root = svg("svg", {
      viewBox: `0 0 ${width} ${height}`, role: "img", class: "pareto",
      "aria-label": _("Pareto chart:") + " " + categories
        .map((c) => fmt(_("%(category)s %(count)s (%(share)s, cumulative %(cumulative)s)"), {
          category: areaWord(c.category), count: c.count, share: fmtPct(c.share), cumulative: fmtPct(c.cumulative_share),
        }))
        .join("; "),
    });
    // Axes: counts on the left, cumulative share on the right, and the 80% line of the Pareto rule.
    root.append(svg("line", { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, class: "axis" }));
    for (const tick of [0, 0.5, 1]) {
      const count = Math.round(maxCount * tick);
      root.append(svg("text", { x: left - 6, y: yCount(count) + 4, class: "tick", "text-anchor": "end" }, count));
    }
    for (const share of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
      root.append(svg("text", { x: left + plotW + 6, y: yShare(share) + 4, class: "tick" }, `${share * 100}%`));
    }
    root.append(svg("line", { x1: left, y1: yShare(0.8), x2: left + plotW, y2: yShare(0.8), class: "guide" }));
    const points = [];
    categories.forEach((c, i) => {
      const x = left + slot * i + (slot - barW) / 2;
      const bar = svg("rect", { x, y: yCount(c.count), width: barW, height: top + plotH - yCount(c.count), class: "bar" });
      bar.append(svg("title", {}, `${areaWord(c.category)} (${c.category}): ${c.count} (${fmtPct(c.share)})`));
      root.append(bar);
      root.append(svg("text", { x: x + barW / 2, y: yCount(c.count) - 4, class: "value", "text-anchor": "middle" }, c.count));
      const labelX = left + slot * i + slot / 2, labelY = top + plotH + 12;
      root.append(svg("text", {
        x: labelX, y: labelY, class: "label", "text-anchor": "end",
        transform: `rotate(-35 ${labelX} ${labelY})`,
      }, areaWord(c.category)));
      points.push([left + slot * i + slot / 2, yShare(c.cumulative_share)]);
    });
    root.append(svg("polyline", { points: points.map((p) => p.join(",")).join(" "), class: "cumulative" }));
    for (const [x, y] of points) root.append(svg("circle", { cx: x, cy: y, r: 3.5, class: "cumulative-point" }));
    chart.replaceChildren(root);
  }

  // -- tables -----------------------------------------------------------------------------------

  function renderOffices(byOffice) {
    const section = $("offices-section");
    section.hidden = !byOffice;
    if (!byOffice) return;
    const rows = Object.keys(byOffice).sort().map((office) => {
      const s = byOffice[office];
      return h(
        "tr",
        { "data-testid": "office-row", "data-office": office },
        h("th", { scope: "row" }, h("button", {
          type: "button", class: "link", "data-testid": "office-link", title: office,
          onclick: () => chooseOffice(office),
        }, officeName(office))),
        numberCell("office-complaints", s.complaints),
        numberCell("office-valid", s.valid),
        numberCell("office-compliance-rate", complianceRate(s.compliance), fmtPct),
        numberCell("office-return-visit-rate", s.return_visits.rate, fmtPct),
        numberCell("office-violations", s.violations),
        numberCell("office-per-million-units", s.per_million_units, (v) => fmtDecimal(v, 1)),
      );
    });
    $("office-rows").replaceChildren(...rows);
  }

  function complaintButton(complaintId, label) {
    return h("button", {
      type: "button", class: "link", "data-testid": "open-timeline", "data-complaint-id": complaintId,
      onclick: () => openTimeline(complaintId),
    }, label || complaintId.slice(0, 8));
  }

  function statusBadge(status) {
    return h("span", { class: `badge status-${status}` }, word(status));
  }

  function renderViolations(answer) {
    setNumber("violations-total", answer.total);
    const rows = answer.items.map((v) =>
      h(
        "tr",
        { "data-testid": "violation-row", "data-complaint-id": v.complaint_id, "data-step": v.step },
        h("td", {}, complaintButton(v.complaint_id, v.office_reference)),
        officeCell(v.office_id),
        h("td", {}, word(v.step)),
        h("td", {}, statusBadge(v.status)),
        h("td", {}, word(v.severity)),
        h("td", {}, timeElement(v.due_at, "violation-due")),
        h("td", {}, timeElement(v.since, "violation-since")),
      ),
    );
    $("violation-rows").replaceChildren(...rows);
    const more = $("violations-more");
    more.hidden = answer.total <= answer.items.length;
    more.textContent = fmt(_("Showing the first %(shown)s of %(total)s."), { shown: answer.items.length, total: answer.total });
  }

  function renderSignals(answer) {
    // all of them (`total`), not the rows of the page the API answered (at most its limit)
    const items = answer.items;
    setNumber("count-signals", answer.total);
    setNumber("signals-total", answer.total);
    const rows = items.map((s) =>
      h(
        "tr",
        { "data-testid": "signal-row", "data-kind": s.kind, "data-office": s.office_id },
        h("td", {}, h("span", { class: "badge signal" }, word(s.kind))),
        officeCell(s.office_id),
        h("td", { "data-testid": "signal-detail" }, globalThis.signalDetail(s, { lang: LANG, _, fmt, time: fmtTime })),
        h("td", {}, timeElement(s.since, "signal-since")),
        h("td", {}, s.complaint_id ? complaintButton(s.complaint_id, s.reference) : s.reference || DASH),
      ),
    );
    $("signal-rows").replaceChildren(...rows);
  }

  function renderComplaints(page) {
    setNumber("complaints-total", page.total);
    const rows = page.items.map((c) =>
      h(
        "tr",
        { "data-testid": "complaint-row", "data-complaint-id": c.complaint_id },
        h("td", {}, complaintButton(c.complaint_id, c.office_reference || fmt(_("no. %(number)s"), { number: c.sequence_number }))),
        officeCell(c.office_id),
        h("td", {}, word(c.state)),
        h("td", {}, word(c.severity)),
        h("td", {}, word(c.validity)),
        h("td", { title: c.business_area || "" }, areaWord(c.business_area)),
        h("td", {}, timeElement(c.received_at, "complaint-received")),
        h("td", {}, c.violations.length
          ? c.violations.map((step) => h("span", { class: "badge status-overdue", "data-testid": "complaint-violation" }, word(step)))
          : DASH),
      ),
    );
    $("complaint-rows").replaceChildren(...rows);
    const first = page.total ? page.offset + 1 : 0;
    const last = page.offset + page.items.length;
    $("page-label").textContent = fmt(_("%(first)s–%(last)s of %(total)s"), { first, last, total: integer.format(page.total) });
    $("page-previous").disabled = page.offset === 0;
    $("page-next").disabled = last >= page.total;
  }

  // -- the timeline of one complaint --------------------------------------------------------------

  const FACTS = [
    ["office_id", _("Office")], ["office_reference", _("Reference")], ["sequence_number", _("Registration no.")],
    ["state", _("State")], ["validity", _("Validity")], ["nature", _("Nature")], ["severity", _("Severity")],
    ["business_area", _("Category")], ["department", _("Department")], ["channel", _("Channel")], ["object", _("Object")],
  ];
  const FACT_TIMES = [
    ["received_at", _("Received")], ["registered_at", _("Registered")], ["result_at", _("Result")],
    ["replied_at", _("Replied")], ["visited_at", _("Return visit")], ["closed_at", _("Closed")],
  ];

  async function openTimeline(complaintId) {
    const dialog = $("timeline-dialog");
    state.openComplaint = complaintId;
    dialog.dataset.complaintId = complaintId;
    dialog.dataset.loaded = "";
    if (!dialog.open) dialog.showModal();
    await loadTimeline(complaintId);
  }

  async function loadTimeline(complaintId) {
    const dialog = $("timeline-dialog");
    const errorBox = $("timeline-error");
    try {
      const history = await api(`/complaints/${encodeURIComponent(complaintId)}`);
      if (state.openComplaint !== complaintId) return;
      errorBox.hidden = true;
      renderTimeline(history);
      dialog.dataset.loaded = complaintId;
    } catch (error) {
      errorBox.textContent =
        error.status === 404
          ? _("No such complaint for your key.")
          : fmt(_("Could not load it: %(reason)s"), { reason: error.message });
      errorBox.hidden = false;
      dialog.dataset.loaded = `error-${complaintId}`;
    }
  }

  function renderTimeline(history) {
    const facts = history.complaint;
    $("timeline-title").textContent =
      fmt(_("Complaint %(reference)s (%(office)s): %(state)s"), {
        reference: facts.office_reference || facts.complaint_id, office: officeName(facts.office_id), state: word(history.state),
      });
    const items = [];
    for (const [name, label] of FACTS) {
      const said = name === "business_area" ? areaWord(facts[name])
        : name === "department" ? coded("department", facts[name])
          : name === "office_id" ? officeName(facts[name]) : word(facts[name]);
      if (facts[name] !== undefined && facts[name] !== null) items.push(h("div", {}, h("dt", {}, label), h("dd", {}, said)));
    }
    for (const [name, label] of FACT_TIMES) {
      if (facts[name]) items.push(h("div", {}, h("dt", {}, label), h("dd", {}, timeElement(facts[name]))));
    }
    if (facts.complainant && typeof facts.complainant === "object") {
      // Personal data: the API sends it to the complaint's own office and to auditors only.
      const who = [facts.complainant.name, facts.complainant.contact].filter(Boolean).join(", ");
      items.push(h("div", { class: "personal" }, h("dt", {}, _("Complainant")), h("dd", {}, who)));
    }
    $("timeline-facts").replaceChildren(...items);

    $("check-rows").replaceChildren(...history.checks.map((c) =>
      h(
        "tr",
        { "data-testid": "check-row", "data-step": c.step, "data-status": c.status, class: c.violation ? "violation" : "" },
        h("th", { scope: "row" }, word(c.step)),
        h("td", {}, word(c.rule)),
        h("td", {}, statusBadge(c.status), c.note ? h("span", { class: "note" }, ` ${c.note}`) : null),
        h("td", {}, timeElement(c.extended_until || c.due_at)),
        h("td", {}, timeElement(c.done_at)),
      ),
    ));

    // Each entry's line in the page's language, from its type and fields (lines.js); also the caused-by links.
    const summaries = new Map(history.timeline.map((e) => [e.event_id, lineOf(e)]));
    setNumber("timeline-count", history.timeline.length);
    $("timeline-entries").replaceChildren(...history.timeline.map((entry) => timelineEntry(entry, summaries)));
  }

  /** The entry's line in the page's words (English: the projection's own, as it wrote it). */
  function lineOf(entry) {
    return window.timelineLine ? window.timelineLine(entry, { lang: LANG, _, fmt, word, time: fmtTime }) : entry.summary;
  }

  /** An entry: when, who, what, why (the explanations of automated decisions), caused by. */
  function timelineEntry(entry, summaries) {
    const actor = entry.actor || {};
    return h(
      "li",
      { id: `event-${entry.event_id}`, "data-testid": "timeline-entry", "data-event-id": entry.event_id, "data-type": entry.type },
      h("div", { class: "when" }, timeElement(entry.occurred_at, "timeline-when")),
      h("div", { class: "body" },
        h("p", { class: "what", "data-testid": "timeline-what" }, summaries.get(entry.event_id)),
        h("p", { class: "who", "data-testid": "timeline-who" },
          _("by") + " ", h("strong", {}, actor.id || DASH), actor.role ? ` (${actor.role})` : ""),
        explanationBlock(entry.explanation, summaries),
        h("p", { class: "cause", "data-testid": "timeline-cause" }, causeOf(entry.causation_id, summaries)),
        h("p", { class: "type" }, fmt(_("%(type)s on %(topic)s"), { type: entry.type, topic: entry.topic })),
      ),
    );
  }

  function causeOf(causationId, summaries) {
    if (!causationId) return _("caused by: a person's action (no earlier event)");
    const summary = summaries.get(causationId);
    return summary
      ? [_("caused by:") + " ", h("a", { href: `#event-${causationId}`, class: "cause-link" }, summary)]
      : fmt(_("caused by: event %(event)s"), { event: causationId });
  }

  // An explanation is one {reason, rule, caused_by} or, for triage, one per aspect.
  function explanationBlock(explanation, summaries) {
    if (!explanation) return null;
    const single = typeof explanation.reason === "string";
    const aspects = single ? [["", explanation]] : Object.entries(explanation);
    return h(
      "ul",
      { class: "why", "data-testid": "timeline-why" },
      aspects.map(([aspect, why]) =>
        h("li", {},
          aspect ? h("strong", {}, `${word(aspect)}: `) : _("why:") + " ",
          why.reason,
          " ", h("code", {}, why.rule),
          (why.caused_by || []).length
            ? [" — " + _("from") + " ", (why.caused_by || []).map((id, i) => [
              i ? ", " : "",
              summaries.has(id) ? h("a", { href: `#event-${id}` }, summaries.get(id)) : id.slice(0, 8),
            ])]
            : null),
      ),
    );
  }

  // -- live updates ------------------------------------------------------------------------------
  //
  // The projection's /stream is Server-Sent Events, but it needs the key header and EventSource
  // cannot send headers (and a key in the URL would end up in logs). So the page reads the stream
  // with fetch() and a ReadableStream reader and parses the SSE frames itself; it resumes after the
  // last event id it saw when the connection drops, and refreshes the numbers (at most once a second)
  // when an office in view changes.

  function setLive(status) {
    const element = $("live-status");
    element.dataset.state = status;
    element.textContent = word(status);
  }

  function stopStream() {
    if (state.streamAbort) state.streamAbort.abort();
    state.streamAbort = null;
    setLive("offline");
  }

  function startStream() {
    stopStream();
    if (!window.ReadableStream || !window.TextDecoderStream) {
      // An old browser: poll instead.
      setLive("polling");
      const timer = setInterval(() => (state.key ? refresh() : clearInterval(timer)), 10000);
      return;
    }
    const controller = new AbortController();
    state.streamAbort = controller;
    followStream(controller.signal);
  }

  async function followStream(signal) {
    let lastId = null;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const url = lastId === null ? "/stream" : `/stream?after=${encodeURIComponent(lastId)}`;
        const answer = await fetch(url, { headers: { [KEY_HEADER]: state.key }, signal, cache: "no-store" });
        if (answer.status === 401) return askForKey(_("The key is no longer accepted. Enter it again."));
        if (!answer.ok || !answer.body) throw new Error(`stream answered ${answer.status}`);
        setLive("live");
        if (failures) scheduleRefresh(); // catch up on what happened while disconnected
        failures = 0;
        const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = parseFrame(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (frame.id !== null) lastId = frame.id;
            if (frame.event) onChange(frame.event, frame.data);
          }
        }
      } catch (error) {
        if (signal.aborted) return;
      }
      failures += 1;
      setLive("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS[Math.min(failures, RECONNECT_MS.length) - 1]));
    }
  }

  function parseFrame(text) {
    const frame = { id: null, event: null, data: "" };
    for (const line of text.split("\n")) {
      if (!line || line.startsWith(":")) continue; // a comment or keep-alive
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") frame.id = value;
      else if (field === "event") frame.event = value;
      else if (field === "data") frame.data += (frame.data ? "\n" : "") + value;
    }
    return frame;
  }

  function onChange(kind, data) {
    let change;
    try {
      change = JSON.parse(data);
    } catch (_) {
      return;
    }
    const inView = !state.office || change.office_id === state.office;
    if (kind === "office" && inView) scheduleRefresh();
    if (kind === "hotline" && inView) scheduleRefresh(); // hotline reports feed the signals
    if (kind === "complaint" && change.subject_id === state.openComplaint) loadTimeline(state.openComplaint);
  }

  // -- wiring ------------------------------------------------------------------------------------

  function chooseOffice(office) {
    state.office = office;
    $("office-select").value = office;
    state.page = 0;
    writeLocation();
    refresh();
  }

  function init() {
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("key-input").value.trim();
      $("key-input").value = "";
      if (key) openWithKey(key);
    });
    $("forget-key").addEventListener("click", () => askForKey(""));
    $("office-select").addEventListener("change", (event) => chooseOffice(event.target.value));
    $("week-input").addEventListener("change", (event) => {
      state.week = event.target.value;
      if (state.week) state.month = $("month-input").value = "";
      state.page = 0;
      writeLocation();
      refresh();
    });
    $("month-input").addEventListener("change", (event) => {
      state.month = event.target.value;
      if (state.month) state.week = $("week-input").value = "";
      state.page = 0;
      writeLocation();
      refresh();
    });
    $("all-time").addEventListener("click", () => {
      state.week = state.month = $("week-input").value = $("month-input").value = "";
      state.page = 0;
      writeLocation();
      refresh();
    });
    $("violating-only").addEventListener("change", (event) => {
      state.violatingOnly = event.target.checked;
      state.page = 0;
      writeLocation();
      refresh();
    });
    $("page-previous").addEventListener("click", () => {
      state.page = Math.max(0, state.page - 1);
      refresh();
    });
    $("page-next").addEventListener("click", () => {
      state.page += 1;
      refresh();
    });
    $("timeline-close").addEventListener("click", () => $("timeline-dialog").close());
    $("timeline-dialog").addEventListener("close", () => {
      state.openComplaint = null;
    });
    // A page left for another (or kept in the back/forward cache) must drop its stream: browsers allow
    // only six HTTP/1.1 connections per host, and a stream nobody reads would hold one for ever.
    window.addEventListener("pagehide", () => stopStream());
    window.addEventListener("pageshow", (event) => {
      if (event.persisted && state.key) {
        refresh();
        startStream();
      }
    });
    window.addEventListener("hashchange", () => {
      if (!state.key) return;
      readLocation();
      state.page = 0;
      refresh();
    });

    const saved = sessionStorage.getItem(KEY_STORAGE);
    if (saved) openWithKey(saved);
    else askForKey("");
  }

  init();
})();
