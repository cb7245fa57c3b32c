// A timeline line in the page's language, written from the entry's type and payload (the typed
// fields the projection's API sends with each entry), with the words of the page's catalogue. The
// projection's own line (`summary`) is English: an English page keeps it exactly as before, and a
// type not known here keeps it on every page. Free texts (a person's reason) stay as they were typed.
// The words are the desk's (services/desk/templates/timeline.html), so both pages say the same.
//
// Plain ES2020, no libraries; loaded before dashboard.js (which calls window.timelineLine), and by
// the tests under Node (tests/dashboard/test_timeline_lines.py).
"use strict";

((root) => {
  /**
   * @param entry {type, payload, summary} as the API sends it.
   * @param words {lang, _, fmt, word, time}: the page's language, its catalogue lookup, the
   *   %(name)s filler, the API codes' words (severity, validity, channel, aspect, ...), a date's text.
   */
  function timelineLine(entry, words) {
    const { lang, _, fmt, word, time } = words;
    if (!lang || lang === "en") return entry.summary;
    const p = entry.payload || {};
    const kind = String(entry.type || "").split(".").pop();
    const CLOCKS = {
      "hand-over": _("hand-over (10 minutes)"), resolution: _("resolution"),
      "clear-answer": _("clear answer (2 days)"), "settlement": _("settlement (15 days)"),
      reply: _("reply (same day)"), "return-visit": _("return visit (1 day)"), commitment: _("promise to the customer"),
    };
    const STEPS = { reply: _("reply to the customer"), "return-visit": _("return visit") };
    const OUTCOMES = { satisfied: _("satisfied"), dissatisfied: _("dissatisfied"), unreachable: _("unreachable") };
    const SOLUTIONS = {
      return: _("return"), exchange: _("exchange"), repair: _("repair"), discount: _("discount"),
      compensation: _("compensation"), apology: _("apology"), explanation: _("explanation"), other: _("other"),
    };
    const CRITERIA = {
      "major.mass-incident": _("more than five customers about the same incident"),
      "major.unresolved-week": _("a valid complaint unresolved for over a week"),
      "major.sudden-outage": _("a sudden large-scale outage"),
      "major.injury-or-loss": _("economic loss or personal injury"),
      "major.promised-service-repeated": _("a promised service not delivered, raised repeatedly"),
      "major.designated": _("designated by a person"), "important.designated": _("designated by a person"),
      "minor.designated": _("designated by a person"),
    };
    const pick = (table, code) => (code in table ? table[code] : code);
    // The clock in words, with its cycle or generation when it is not the first ('resolution#1').
    const cycle = String(p.key || "").split("#")[1];
    const clock = pick(CLOCKS, p.clock) + (cycle && cycle !== "0" ? ` #${cycle}` : "");
    const lines = {
      ComplaintRegistered: () => fmt(_("registered as no. %(n)s (%(channel)s)"),
        { n: p.sequence_number, channel: word((p.form || {}).channel) }),
      ComplaintTriaged: () => fmt(_("judged %(validity)s, %(severity)s; routed to %(department)s"),
        { validity: word(p.validity), severity: word(p.severity), department: p.department }),
      SeverityRegraded: () => fmt(_("re-graded %(previous)s → %(severity)s"),
        { previous: word(p.previous), severity: word(p.severity) })
        + (p.criterion ? ` (${pick(CRITERIA, p.criterion)})` : ""),
      DecisionOverridden: () => fmt(_("%(aspect)s changed from %(previous)s to %(value)s: %(reason)s"),
        { aspect: word(p.aspect), previous: word(p.previous), value: word(p.value), reason: p.reason }),
      DecisionConfirmed: () => fmt(_("%(aspect)s confirmed as %(value)s: %(reason)s"),
        { aspect: word(p.aspect), value: word(p.value), reason: p.reason }),
      IncidentClusterDetected: () => fmt(_("mass incident: %(n)s complainants about the same place and facility"),
        { n: p.complainants }),
      CaseOpened: () => fmt(_("case opened for %(department)s"), { department: p.department }),
      CaseAccepted: () => fmt(_("accepted by %(department)s"), { department: p.department }),
      HandOverRequested: () => fmt(_("hand-over to %(department)s asked for"), { department: p.to_department }),
      HandOverAccepted: () => fmt(_("hand-over accepted by %(department)s"), { department: p.department }),
      CauseRecorded: () => _("cause and responsible person recorded"),
      SolutionProposed: () => fmt(_("solution proposed (%(kind)s)"), { kind: pick(SOLUTIONS, p.kind) }),
      SolutionApproved: () => _("solution approved"),
      SolutionRejected: () => _("solution rejected: the department proposes again"),
      SolutionCarriedOut: () => _("solution carried out"),
      ResultRecorded: () => (p.resolved ? _("result recorded: resolved") : _("result recorded: not resolved")),
      ProgressReported: () => _("progress told to the customer"),
      CommitmentMade: () => fmt(_("a time promised to the customer: %(due)s"), { due: time(p.due_at) }),
      CommitmentKept: () => _("a promise to the customer kept"),
      CaseReopened: () => _("case reopened"),
      CustomerReplied: () => fmt(_("replied to the customer by %(channel)s"), { channel: word(p.channel) }),
      ReturnVisitScheduled: () => fmt(_("return visit due %(due)s"), { due: time(p.due_at) }),
      ReturnVisitMade: () => fmt(_("return visit %(n)s: %(outcome)s"), { n: p.attempt, outcome: pick(OUTCOMES, p.outcome) }),
      CaseClosed: () => _("case closed"),
      ComplaintReopened: () => _("case reopened"),
      StepWaived: () => fmt(_("%(step)s waived"), { step: pick(STEPS, p.step) }),
      WaiverWithdrawn: () => fmt(_("waiver of the %(step)s withdrawn"), { step: pick(STEPS, p.step) }),
      ClockStarted: () => fmt(_("%(clock)s: clock started, due %(due)s"), { clock, due: time(p.deadline) }),
      ClockStopped: () => fmt(_("%(clock)s: clock stopped"), { clock }),
      ClockSuperseded: () => fmt(_("%(clock)s: clock replaced by the new limits"), { clock }),
      DeadlineWarning: () => fmt(_("%(clock)s: deadline warning, %(share)s of the time used"),
        { clock, share: `${Math.round((p.fraction || 0) * 100)}%` }),
      DeadlineBreached: () => fmt(_("%(clock)s: deadline breached (escalation level %(level)s)"),
        { clock, level: p.escalation_level }),
      ExtensionRequested: () => fmt(_("%(clock)s: more time asked for, until %(until)s"), { clock, until: time(p.until) }),
      ExtensionDecided: () => (p.approved
        ? fmt(_("%(clock)s: more time approved, until %(until)s"), { clock, until: time(p.until) })
        : fmt(_("%(clock)s: more time refused"), { clock })),
      RegradeRequested: () => fmt(_("re-grade to %(severity)s asked for"), { severity: word(p.severity) }),
      ComplaintReported: () => fmt(_("hotline report %(reference)s"), { reference: p.hotline_reference }),
      NotificationRequested: () => fmt(_("%(severity)s complaint: people told (level %(level)s)"),
        { severity: word(p.severity), level: p.level }),
    };
    try {
      return kind in lines ? lines[kind]() : entry.summary;
    } catch (_error) {
      return entry.summary; // a payload not shaped as expected: the projection's line, not a broken page
    }
  }

  root.timelineLine = timelineLine;
})(typeof window !== "undefined" ? window : globalThis);
