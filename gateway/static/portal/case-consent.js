// "Samtykke til at hente oplysninger" on a sent case (/mine-sager/<id>/): every data fetch the
// case type's catalogue names, with whether a consent in force covers it. The caseworker may
// fetch only under a consent that names the case (docs/decisions/0014, 0018), so the citizen
// can give one here after reading the same § 11 a text as in "Hent mine oplysninger" (what,
// from whom, for which case, what follows a no, how to withdraw), and withdraw it again.
// Giving is one POST; withdrawing is one POST per consent; the list is re-read after either,
// so what is shown is what the consents service holds.
import {
  alertBox, api, el, forCitizen, formatDate, formatDateTime, lang, problemAlert, scoped, t, txt,
} from "/static/ui/ui.js";
import { consentText, covers, giveConsent, purposeOf } from "/static/portal/consented-fetch.js";

const tr = scoped("caseconsent.");
const fr = scoped("fetch.");
const OPEN_STATES = new Set(["submitted", "under_review", "awaiting_citizen"]);

/** The panel's state across redraws of the case page. */
export function consentPanel({ app, def, onChange }) {
  const state = { consents: null, purposes: {}, opened: null, confirming: null, busy: false,
                  notice: null, focusId: null };

  async function load() {
    const [list] = await Promise.all([
      api("GET", forCitizen("/api/consents/consents")),
      ...(def().data_fetch || []).map(async (fetch) => {
        state.purposes[fetch.purpose] = await purposeOf(fetch.purpose).catch(() => null);
      }),
    ]);
    state.consents = list.data.consents;
  }

  function shown() {
    return OPEN_STATES.has(app().state) && (def().data_fetch || []).length > 0;
  }

  function redraw(focusId) {
    state.focusId = focusId;
    onChange();
  }

  async function act(work, focusOnSuccess) {
    if (state.busy) return;
    state.busy = true;
    state.notice = null;
    redraw();
    let focusId = "consent-notice";
    try {
      state.notice = await work();
      focusId = state.notice ? "consent-notice" : focusOnSuccess;
    } catch (error) {
      state.notice = problemAlert(error, { id: "consent-notice" });
    }
    try {
      await load(); // what the consents service holds now, whatever happened
    } catch (_e) { /* the notice says what failed; the list stays as it was */ }
    state.busy = false;
    redraw(focusId);
  }

  function give(fetch) {
    return act(async () => {
      await giveConsent(app(), fetch, state.purposes[fetch.purpose]);
      state.opened = null;
      return alertBox("success", { id: "consent-notice", focus: true },
                      [tr("given", { what: txt(fetch.title) })]);
    });
  }

  function withdraw(fetch, consents) {
    return act(async () => {
      let last = null;
      for (const consent of consents) {
        last = (await api("POST", `/api/consents/consents/${encodeURIComponent(consent.id)}/withdrawal`,
                          { json: {} })).data;
      }
      state.confirming = null;
      return alertBox("success", { id: "consent-notice", focus: true }, [tr("withdrawn", {
        what: txt(fetch.title),
        time: formatDateTime((last && last.withdrawn_at) || new Date().toISOString()) })]);
    });
  }

  function offer(fetch, purpose) {
    const wording = consentText(purpose, lang());
    const headingId = "consent-offer-" + fetch.id + "-h";
    return el("div", { class: "panel fetch-panel consent-offer", id: "consent-offer-" + fetch.id,
                       role: "group", "aria-labelledby": headingId },
      el("h4", { id: headingId, tabindex: "-1", text: tr("offer.h") }),
      el("dl", { class: "facts" },
        el("dt", { text: fr("what") }), el("dd", { text: txt(fetch.title) }),
        el("dt", { text: fr("from") }), el("dd", { text: t("source." + fetch.source) }),
        el("dt", { text: fr("case") }), el("dd", { text: tr("offer.case", {
          title: txt(def().title), number: app().case_number || "" }) }),
        el("dt", { text: tr("offer.why") }), el("dd", { text: lang() === "en" ? purpose.title_en : purpose.title_da }),
        el("dt", { text: fr("ifno") }), el("dd", { text: wording.ifNo }),
        el("dt", { text: tr("offer.withdraw") }), el("dd", { text: tr("offer.withdraw.how") })),
      el("p", { class: "fetch-consent-label", text: fr("text") }),
      el("blockquote", { class: "fetch-consent", text: wording.text }),
      el("div", { class: "button-row" },
        el("button", { type: "button", class: "button button-primary", id: "consent-yes-" + fetch.id,
                       disabled: state.busy, onclick: () => give(fetch) },
           state.busy ? tr("giving") : tr("yes")),
        el("button", { type: "button", class: "button button-secondary", id: "consent-cancel-" + fetch.id,
                       disabled: state.busy,
                       onclick: () => { state.opened = null; redraw("consent-give-" + fetch.id); } },
           tr("cancel"))));
  }

  function confirm(fetch, mine) {
    const headingId = "consent-confirm-" + fetch.id + "-h";
    return el("div", { class: "alert alert-warning confirm", role: "group", "aria-labelledby": headingId },
      el("div", { class: "alert-body" },
        el("h4", { class: "alert-heading", id: headingId, tabindex: "-1", text: t("consents.confirm.h") }),
        el("p", { class: "alert-text" }, el("strong", { text: t("consents.confirm.now") })),
        el("p", { class: "alert-text", text: t("consents.confirm.after") }),
        el("div", { class: "button-row" },
          el("button", { type: "button", class: "button button-primary button-danger",
                         id: "consent-withdraw-yes-" + fetch.id, disabled: state.busy,
                         onclick: () => withdraw(fetch, mine) },
             state.busy ? t("consents.withdrawing") : t("consents.confirm.yes")),
          el("button", { type: "button", class: "button button-secondary", disabled: state.busy,
                         onclick: () => { state.confirming = null; redraw("consent-withdraw-" + fetch.id); } },
             t("consents.confirm.no")))));
  }

  function item(fetch) {
    const purpose = state.purposes[fetch.purpose];
    const covering = state.consents.filter((c) => covers(c, app(), fetch));
    const mine = covering.filter((c) => c.case_ref === app().id); // the ones naming this case
    const until = covering.map((c) => c.expires_at).filter(Boolean).sort().pop();
    const headingId = "consent-" + fetch.id + "-h";
    let controls = null;
    if (!covering.length && purpose) {
      controls = state.opened === fetch.id ? offer(fetch, purpose)
        : el("p", {}, el("button", { type: "button", class: "button button-primary", id: "consent-give-" + fetch.id,
                                     onclick: () => { state.opened = fetch.id; state.notice = null;
                                                      redraw(`consent-offer-${fetch.id}-h`); } },
          tr("give"), el("span", { class: "sr-only", text: " – " + txt(fetch.title) })));
    } else if (mine.length) {
      controls = state.confirming === fetch.id ? confirm(fetch, mine)
        : el("p", {}, el("button", { type: "button", class: "button button-secondary", id: "consent-withdraw-" + fetch.id,
                                     onclick: () => { state.confirming = fetch.id; state.notice = null;
                                                      redraw(`consent-confirm-${fetch.id}-h`); } },
          t("consents.withdraw"), el("span", { class: "sr-only", text: " – " + txt(fetch.title) })));
    } else if (covering.length) {
      controls = el("p", { class: "small" }, tr("general"), " ",
                    el("a", { href: "/samtykker/", text: t("consents.h1") }));
    }
    return el("li", { class: "card case-fetch", "data-fetch": fetch.id,
                      "data-consent": covering.length ? "yes" : "no", "aria-labelledby": headingId },
      el("h3", { id: headingId, text: txt(fetch.title) }),
      el("dl", { class: "facts" },
        el("dt", { text: fr("from") }), el("dd", { text: t("source." + fetch.source) }),
        el("dt", { text: t("consents.f.status") }), el("dd", {},
          el("span", { class: "tag consent-state status-" + (covering.length ? "active" : "none"),
                       text: covering.length ? tr("state.yes") : tr("state.no") }),
          until ? " " + tr("state.until", { date: formatDate(until) }) : null)),
      controls);
  }

  function section() {
    if (!shown() || !state.consents) return null;
    return el("section", { class: "case-consents", id: "case-consents", "aria-labelledby": "case-consents-h" },
      el("h2", { id: "case-consents-h", text: tr("h") }),
      el("p", { text: tr("lead") }),
      state.notice,
      el("ul", { class: "cards", id: "case-fetches" }, (def().data_fetch || []).map(item)));
  }

  /** After the page is drawn: move focus where the last action left it. */
  function settle() {
    if (!state.focusId) return;
    const target = document.getElementById(state.focusId);
    state.focusId = null;
    if (target) target.focus();
  }

  return { load: () => (shown() ? load() : Promise.resolve()), section, settle };
}
