// A concealment signal's detail in the page's language, written from the figures the projection's API
// sends with it (`values`) with the words of the page's catalogue. The API's `detail` is English: an
// English page keeps it exactly as sent, and a kind not known here (or a signal without figures) keeps
// it on every page. The numbers are the API's; instants are written as the page writes a time.
//
// Plain ES2020, no libraries; loaded before dashboard.js (which calls window.signalDetail), and by
// the tests under Node (tests/dashboard/test_signal_details.py).
"use strict";

((root) => {
  /**
   * @param signal {kind, detail, reference, values} as the API sends it.
   * @param words {lang, _, fmt, time}: the page's language, its catalogue lookup, the %(name)s filler,
   *   a date's text.
   */
  function signalDetail(signal, words) {
    const { lang, _, fmt, time } = words;
    const v = signal.values || {};
    if (!lang || lang === "en" || Object.keys(v).length === 0) return signal.detail;
    const age = () => (v.days
      ? fmt(_("%(days)s day(s) %(hours)s hour(s)"), { days: v.days, hours: v.hours })
      : fmt(_("%(hours)s hour(s)"), { hours: v.hours }));
    const outliers = {
      "per-million-units above": _("%(rate)s complaints per million units, far above its peers (robust z %(z)s)"),
      "per-million-units below": _("%(rate)s complaints per million units, far below its peers (robust z %(z)s)"),
      "complaints above": _("%(rate)s complaints, far above its peers (robust z %(z)s)"),
      "complaints below": _("%(rate)s complaints, far below its peers (robust z %(z)s)"),
    };
    const details = {
      "sequence-gap": () => fmt(_("registration number(s) %(span)s missing before no. %(number)s"),
        { span: v.span, number: v.number }),
      "hotline-unregistered": () => fmt(_("hotline call %(reference)s of %(reported_at)s not registered by the office; %(age)s old"),
        { reference: signal.reference, reported_at: time(v.reported_at), age: age() }),
      "hotline-registered-late": () => fmt(_("hotline call %(reference)s registered only at %(registered_at)s, %(age)s after the call"),
        { reference: signal.reference, registered_at: time(v.registered_at), age: age() }),
      "late-registration": () => fmt(_("received %(days)s day(s) after it happened"), { days: v.days }),
      "registered-late": () => fmt(_("registered %(gap)s after the office says it received it"), {
        gap: v.days !== undefined
          ? fmt(_("%(days)s day(s)"), { days: v.days })
          : fmt(_("%(hours)s hour(s) %(minutes)s minute(s)"), { hours: v.hours, minutes: v.minutes }),
      }),
      "outlier-office": () => fmt(outliers[`${v.measure} ${v.direction}`], {
        rate: Number(v.rate).toFixed(1), z: Number(v.z).toFixed(1),
      }),
    };
    try {
      return signal.kind in details ? details[signal.kind]() : signal.detail;
    } catch (_error) {
      return signal.detail; // figures not shaped as expected: the API's sentence, not a broken page
    }
  }

  root.signalDetail = signalDetail;
})(typeof window !== "undefined" ? window : globalThis);
