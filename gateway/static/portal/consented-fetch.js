// "Hent mine oplysninger" in an application step (retssikkerhedsloven § 11 a): where the type
// names a data source for fields of this step, the citizen reads what will be fetched, from
// whom, for which case and what follows a no; "Ja" records the consent
// (POST /api/consents/consents) and fetches (POST /api/applications/<id>/fetches/<fetch>), so
// the fields are filled and marked with their source and date; "Nej" leaves them to type.
// The same flow serves a real register: only the source behind the applications API changes.
import {
  ApiError, actingFor, alertBox, api, el, formatDate, lang, problemAlert, scoped, t, txt,
} from "/static/ui/ui.js";

const tr = scoped("fetch.");
const DECLINED = "sb_fetch_declined:";
const WAIT_MS = 15000; // the consent reaches the applications service as an event

let purposes = null;

/** The consents service's purpose (titles, versioned texts) for a code. */
export async function purposeOf(code) {
  if (!purposes) {
    purposes = Object.fromEntries((await api("GET", "/api/consents/purposes")).data.purposes
      .map((purpose) => [purpose.code, purpose]));
  }
  return purposes[code];
}

function declined(app, fetch) {
  try {
    return sessionStorage.getItem(DECLINED + app.id + ":" + fetch.id) === "1";
  } catch (_e) {
    return false;
  }
}

function decline(app, fetch) {
  try {
    sessionStorage.setItem(DECLINED + app.id + ":" + fetch.id, "1");
  } catch (_e) { /* private mode: asked again next time */ }
}

/** The data fetches of the type that fill fields of this step. */
export function fetchesFor(def, step) {
  const ids = new Set(step.fields.map((f) => f.id));
  return (def.data_fetch || []).filter((f) => f.fills_fields.some((id) => ids.has(id)));
}

/** The fetched record behind a field, if the field was filled from a register. */
export function fetchedFor(app, fieldId) {
  return [...(app.fetched || [])].reverse().find((record) => fieldId in record.values) || null;
}

/** "Hentet fra eIndkomst 28. november 2026" under a filled field; says so if corrected. */
export function fetchedNote(app, field, value) {
  const record = fetchedFor(app, field.id);
  if (!record) return null;
  const fetchedValue = record.values[field.id];
  const source = t("source." + record.source);
  const corrected = value !== null && value !== undefined && value !== fetchedValue;
  return el("p", { class: "fetched-note", id: "f-" + field.id + "-source" },
    tr("source", { source, date: formatDate(record.fetched_at) }),
    corrected ? [" ", tr("corrected", { value: String(fetchedValue) })] : null);
}

/** The wording of the purpose's current text in the citizen's language. */
export function consentText(purpose, language) {
  const wording = purpose.texts.find((text) => text.version === purpose.current_version)
    || purpose.texts[purpose.texts.length - 1];
  return {
    version: wording.version,
    text: language === "en" ? wording.en : wording.da,
    ifNo: language === "en" ? wording.if_no_en : wording.if_no_da,
  };
}

/** Record the citizen's consent to one fetch of the type, naming this case (ADR 0014): the
 *  data and the source of the fetch, under the text version the citizen was shown. */
export async function giveConsent(app, fetch, purpose) {
  const acting = actingFor();
  const wording = consentText(purpose, lang());
  return (await api("POST", "/api/consents/consents", { json: {
    purpose: fetch.purpose, case_ref: app.id, data_categories: fetch.data_categories,
    sources: [fetch.source], text_version: wording.version, language: lang(), channel: "portal",
    ...(acting ? { citizen_id: acting.citizen_id } : {}),
  } })).data;
}

/** Does this consent (as GET /api/consents/consents lists it) let the case use the fetch now?
 *  The same rule the applications service applies; the server still decides. */
export function covers(consent, app, fetch, now = new Date()) {
  return consent.status === "active" && consent.purpose === fetch.purpose
    && (consent.case_ref == null || consent.case_ref === app.id)
    && (!consent.expires_at || new Date(consent.expires_at) > now)
    && consent.sources.includes(fetch.source)
    && fetch.data_categories.every((d) => consent.data_categories.includes(d));
}

async function giveConsentAndFetch(app, fetch, purpose) {
  await giveConsent(app, fetch, purpose);
  const until = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return (await api("POST", `/api/applications/${encodeURIComponent(app.id)}/fetches/${
        encodeURIComponent(fetch.id)}`)).data;
    } catch (error) {
      const waiting = error instanceof ApiError && error.problem.code === "application.consent_missing";
      if (!waiting || Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  }
}

/** The panel for one fetch, or null when the citizen already said yes or no (or the purpose
 *  is not known, so no consent text can be shown). `done(app)` redraws with the new answers. */
export async function fetchPanel(app, def, fetch, done) {
  if (fetchedFor(app, fetch.fills_fields[0])) return null;
  const purpose = await purposeOf(fetch.purpose).catch(() => null);
  if (!purpose) return null;
  const headingId = "fetch-" + fetch.id + "-h";
  if (declined(app, fetch)) {
    return el("div", { class: "panel fetch-declined", id: "fetch-" + fetch.id },
      el("p", { text: tr("declined") }));
  }
  const wording = consentText(purpose, lang());
  const source = t("source." + fetch.source);
  const message = el("div", { class: "fetch-message", "aria-live": "polite" });
  const yes = el("button", { type: "button", class: "button button-primary", id: "fetch-yes-" + fetch.id,
                             text: tr("yes") });
  const no = el("button", { type: "button", class: "button button-secondary", id: "fetch-no-" + fetch.id,
                            text: tr("no") });
  const panel = el("section", { class: "fetch-panel", id: "fetch-" + fetch.id,
                                "aria-labelledby": headingId },
    el("h2", { id: headingId, text: tr("h") }),
    el("p", { text: tr("lead") }),
    el("dl", { class: "facts" },
      el("dt", { text: tr("what") }), el("dd", { text: txt(fetch.title) }),
      el("dt", { text: tr("from") }), el("dd", { text: source }),
      el("dt", { text: tr("case") }), el("dd", { text: tr("case.this", { title: txt(def.title) }) }),
      el("dt", { text: tr("ifno") }), el("dd", { text: wording.ifNo })),
    el("p", { class: "fetch-consent-label", text: tr("text") }),
    el("blockquote", { class: "fetch-consent", id: "fetch-consent-text", text: wording.text }),
    el("div", { class: "button-row" }, yes, no),
    message);
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    no.disabled = true;
    message.replaceChildren(el("p", { text: tr("working") }));
    try {
      const updated = await giveConsentAndFetch(app, fetch, purpose);
      done(updated, alertBox("success", { id: "fetch-done", focus: true }, [tr("done")]));
    } catch (error) {
      message.replaceChildren(problemAlert(error, { id: "fetch-problem" }),
                              el("p", { text: tr("failed") }));
      yes.disabled = false;
      no.disabled = false;
    }
  });
  no.addEventListener("click", () => {
    decline(app, fetch);
    done(app, alertBox("info", { id: "fetch-done", focus: true }, [tr("declined")]));
  });
  return panel;
}
