// /workspace/: the caseworker's queue, and a case (?sag=<id>) with its actions. Every action
// is the applications service's case-action API, so notifications and Mit Overblik follow.
import {
  api, el, mount, alertBox, problemAlert, formatDate, formatDateTime, formatNumber,
  initLanguage, lang, requireSession, showFatal, t, txt,
} from "/static/ui/ui.js";

const root = document.getElementById("app");
const OPEN_STATES = ["submitted", "under_review", "awaiting_citizen"];
const ALL_STATES = [...OPEN_STATES, "decided", "paid_out", "closed"];
let me = null;
let types = [];
let purposes = {}; // consent purposes by code, with their titles (the consents service)
let view = null; // what is on the screen, to draw again on a language switch
let notice = null; // the last action's result (success or problem)
let noticeAt = "actions"; // the case page's section that shows it: "actions" or "fetched"

const known = (key, otherwise) => (t(key) === key ? otherwise : t(key));
const kr = (ore) => (ore == null ? "–" : formatNumber(ore / 100) + " kr.");
const field = (id, label, input) => el("div", { class: "form-group" },
  el("label", { class: "form-label", for: id, text: label }), input);
const input = (id, attrs = {}) => el("input", { class: "form-input", id, name: id, ...attrs });

// -- the queue -----------------------------------------------------------------------------

function filters() {
  const q = new URLSearchParams(location.search);
  const select = (id, options, value) => el("select", { class: "form-select", id, name: id },
    options.map(([v, label]) => el("option", { value: v, text: label, selected: v === value })));
  return el("form", { class: "queue-filters", id: "filters", onsubmit: (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    const next = new URLSearchParams();
    for (const [k, v] of data) if (v) next.set(k, v);
    history.replaceState(null, "", "?" + next);
    loadQueue();
  } },
  el("fieldset", {}, el("legend", { class: "h3", text: t("ws.filter") }),
    field("state", t("ws.state"), select("state",
      [["", t("ws.state.open")], ...ALL_STATES.map((s) => [s, t("ws.s." + s)])],
      q.get("state") || "")),
    field("type", t("ws.type"), select("type",
      [["", t("ws.type.all")], ...types.map((ty) => [ty.id, txt(ty.title)])], q.get("type") || "")),
    field("assignee", t("ws.assignee"), select("assignee",
      [["", t("ws.assignee.all")], ["me", t("ws.assignee.me")], ["none", t("ws.assignee.none")]],
      q.get("assignee") || "")),
    field("older_than_days", t("ws.age"),
      input("older_than_days", { type: "number", min: "1", value: q.get("older_than_days") || "" })),
    el("button", { class: "button button-secondary", type: "submit", text: t("ws.show") })));
}

function queueRow(item) {
  const open = el("a", { href: "?sag=" + encodeURIComponent(item.id) }, t("ws.open"),
    el("span", { class: "sr-only", text: " " + (item.case_number || item.title) }));
  const claim = item.assignee_id ? null : el("button", {
    type: "button", class: "button button-secondary claim", "data-id": item.id,
    onclick: () => claimFromQueue(item.id) }, t("ws.claim"),
  el("span", { class: "sr-only", text: " " + (item.case_number || item.title) }));
  return el("tr", { "data-id": item.id },
    el("td", {}, el("strong", { text: item.case_number || "–" }), el("br"), item.title),
    el("td", { text: txt(item.type_title) }),
    el("td", { class: "state", text: item.status_text ? txt(item.status_text) : item.state }),
    el("td", { text: t("ws.days", { n: item.age_days ?? 0 }) }),
    el("td", { class: "assignee", text: item.assignee_id || t("ws.nobody") }),
    el("td", {}, open, claim ? " " : null, claim));
}

function renderQueue() {
  document.title = t("ws.h1") + " – Selvbetjening";
  const { items, counts, total, next } = view.queue;
  const parts = Object.entries(counts).map(([s, n]) => `${n} ${t("ws.s." + s)}`).join(", ");
  mount(root,
    el("h1", { text: t("ws.h1") }),
    el("p", { class: "lead", text: t("ws.lead") }),
    notice,
    filters(),
    el("p", { id: "counts", "aria-live": "polite", text: t("ws.counts", { total, parts }) }),
    items.length
      ? el("div", { class: "table--responsive-scroll" }, el("table", { class: "table", id: "queue" },
        el("thead", {}, el("tr", {}, ["case", "type", "status", "age", "assignee", "action"]
          .map((c) => el("th", { scope: "col", text: t("ws.col." + c) })))),
        el("tbody", {}, items.map(queueRow))))
      : el("p", { text: t("ws.empty") }),
    next ? el("button", { type: "button", class: "button button-secondary", id: "more",
      onclick: () => loadQueue(next), text: t("ws.more") }) : null);
}

async function loadQueue(after) {
  const q = new URLSearchParams(location.search);
  q.delete("sag");
  if (after) q.set("after", after);
  const page = (await api("GET", "/api/applications/queue?" + q)).data;
  if (after && view && view.queue) {
    page.items = [...view.queue.items, ...page.items];
  }
  view = { queue: page };
  renderQueue();
}

async function claimFromQueue(id) {
  try {
    await api("POST", `/api/applications/${encodeURIComponent(id)}/case-actions`,
      { json: { action: "assign" } });
    notice = null;
  } catch (error) {
    notice = problemAlert(error);
  }
  await loadQueue();
  // The keyboard stays with the case just claimed (its "open" link), or goes to the problem.
  const next = notice ? document.getElementById("problem")
    : document.querySelector(`#queue tr[data-id="${CSS.escape(id)}"] a`);
  if (next) next.focus();
}

// -- one case ------------------------------------------------------------------------------

function section(title, id, ...content) {
  return el("section", { class: "case-section", id, "aria-labelledby": id + "-h" },
    el("h2", { id: id + "-h", text: title }), ...content);
}

function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.map(([k, v]) => [el("dt", { text: k }),
    el("dd", { text: v == null || v === "" ? "–" : String(v) })]));
}

function answers(app, type) {
  const fields = {};
  for (const step of (type && type.steps) || []) {
    for (const f of step.fields) fields[f.id] = f;
  }
  const shown = (f, v) => {
    if (typeof v === "boolean") return t(v ? "yes" : "no");
    const choice = f && (f.choices || []).find((c) => c.value === v);
    return choice ? txt(choice.label) : v;
  };
  return facts(Object.entries(app.answers || {}).map(([k, v]) => [
    fields[k] ? txt(fields[k].label) : k, shown(fields[k], v)]));
}

function historyLine(app, h) {
  const who = h.actor_type === "citizen"
    ? t(h.actor_id === app.citizen_id ? "ws.by.citizen" : "ws.by.proxy")
    : h.actor_id;
  return `${formatDateTime(h.at)} – ${known("ws.h." + h.action, h.action)} (${who})${
    h.reason ? ": " + h.reason : ""}`;
}

function actionForm(action, fields, build) {
  const id = "form-" + action;
  return el("details", { class: "action", id: "action-" + action },
    el("summary", { text: t("ws.a." + action) }),
    el("form", { id, onsubmit: async (e) => {
      e.preventDefault();
      await act(action, build ? build(new FormData(e.target)) : {});
    } }, fields,
    el("button", { class: "button button-primary", type: "submit", text: t("ws.a." + action) })));
}

function actions(app) {
  const s = app.state;
  const today = new Date().toISOString().slice(0, 10);
  const list = [];
  if (app.assignee_id !== me.subject) {
    list.push(el("button", { type: "button", class: "button button-secondary", id: "claim",
      onclick: () => act("assign", {}), text: t("ws.a.claim") }));
  }
  if (s === "submitted") {
    list.push(el("button", { type: "button", class: "button button-primary", id: "start",
      onclick: () => act("start_review", {}), text: t("ws.a.start_review") }));
  }
  if (s === "awaiting_citizen") {
    list.push(el("button", { type: "button", class: "button button-secondary", id: "resume",
      onclick: () => act("resume", {}), text: t("ws.a.resume") }));
  }
  if (s === "under_review") {
    list.push(actionForm("request_information", [
      field("message", t("ws.f.message"), el("textarea", { class: "form-input", id: "message",
        name: "message", required: true, maxlength: "2000" })),
      field("deadline", t("ws.f.deadline"), input("deadline", { type: "date", required: true,
        min: today })),
    ], (d) => ({ message: d.get("message"), deadline: d.get("deadline") })));
    list.push(actionForm("decide", [
      el("fieldset", {}, el("legend", { class: "form-label", text: t("ws.f.outcome") }),
        ["granted", "partly_granted", "refused"].map((o) => el("div", { class: "form-group-radio" },
          el("input", { class: "form-radio", type: "radio", name: "outcome", id: "outcome-" + o,
            value: o, required: true }),
          el("label", { for: "outcome-" + o, text: t("ws.f." + o) })))),
      field("reason", t("ws.f.reason"), el("textarea", { class: "form-input", id: "reason",
        name: "reason", maxlength: "2000" })),
      field("amount", t("ws.f.amount"), input("amount", { type: "number", min: "0", step: "0.01" })),
      field("letter_title", t("ws.f.letter"), input("letter_title", { required: true,
        value: "Afgørelse: " + app.title })),
    ], (d) => ({
      outcome: d.get("outcome"), reason: d.get("reason") || null,
      letter_title: d.get("letter_title"),
      ...(d.get("amount") ? { granted_amount_ore: Math.round(Number(d.get("amount")) * 100) } : {}),
    })));
  }
  if ((s === "decided" || s === "paid_out") && app.outcome !== "refused") {
    list.push(actionForm("pay", [
      field("pay_amount", t("ws.f.pay_amount"), input("pay_amount", { type: "number", min: "0.01",
        step: "0.01", required: true,
        value: app.granted_amount_ore ? String(app.granted_amount_ore / 100) : "" })),
      field("paid_on", t("ws.f.paid_on"), input("paid_on", { type: "date", required: true,
        value: today })),
      field("period", t("ws.f.period"), input("period", { pattern: "\\d{4}-\\d{2}",
        placeholder: today.slice(0, 7) })),
    ], (d) => ({ amount_ore: Math.round(Number(d.get("pay_amount")) * 100),
      paid_on: d.get("paid_on"), ...(d.get("period") ? { period: d.get("period") } : {}) })));
  }
  if (["decided", "paid_out", "closed"].includes(s)) {
    list.push(actionForm("reopen", [field("complaint", t("ws.f.complaint"),
      el("textarea", { class: "form-input", id: "complaint", name: "complaint", required: true }))],
    (d) => ({ reason: d.get("complaint") })));
  }
  if (s !== "draft" && s !== "withdrawn") {
    list.push(actionForm("note", [field("note", t("ws.f.note"), el("textarea", {
      class: "form-input", id: "note", name: "note", required: true, maxlength: "5000" }))],
    (d) => ({ text: d.get("note") })));
  }
  return section(t("ws.actions"), "actions", noticeAt === "actions" ? notice : null, ...list);
}

// -- documents, shown in a viewer on the page ------------------------------------------------

// What the browser shows itself (its PDF viewer, an image); anything else is downloaded.
const VIEWABLE = ["application/pdf", "image/jpeg", "image/png"];
let viewing = null; // {id, title, type, url}: the document in the viewer

const contentUrl = (app, d) => `/api/applications/${encodeURIComponent(app.id)}/documents/${
  encodeURIComponent(d.id)}/content`;

function documentsSection(app, documents) {
  const item = (d) => el("li", { "data-document": d.id },
    d.size ? el("a", { href: contentUrl(app, d), download: d.filename || "",
      "aria-label": t("ws.documents.download", { title: d.title }), text: d.title }) : d.title,
    ` (${known("ws.dir." + d.direction, d.direction)}, ${formatDate(d.document_date)}) `,
    d.size && VIEWABLE.includes(d.content_type) ? el("button", { type: "button",
      class: "button button-tertiary view-document", onclick: () => showDocument(app, d) },
    t("ws.documents.show"), el("span", { class: "sr-only", text: " " + d.title })) : null);
  return section(t("ws.documents"), "documents", documents.length
    ? el("ul", {}, documents.map(item)) : el("p", { text: t("ws.documents.none") }),
  viewing ? viewer() : null);
}

function viewer() {
  const shown = viewing.type.startsWith("image/")
    ? el("img", { src: viewing.url, alt: viewing.title, class: "document-image" })
    : el("iframe", { src: viewing.url, title: viewing.title, class: "document-frame" });
  return el("div", { class: "document-viewer", id: "viewer", role: "region",
    "aria-labelledby": "viewer-h" },
  el("h3", { id: "viewer-h", tabindex: "-1", text: t("ws.documents.viewing", { title: viewing.title }) }),
  shown,
  el("p", {}, el("button", { type: "button", class: "button button-secondary", id: "viewer-close",
    onclick: closeDocument, text: t("ws.documents.close") })));
}

async function showDocument(app, d) {
  let shown = false;
  try {
    // Not api(): the content is bytes, not JSON; the session cookie goes along as for api().
    const response = await fetch(contentUrl(app, d), { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    // The blob gets the type the service checked on upload, never one the content claims.
    const blob = new Blob([await response.arrayBuffer()], { type: d.content_type });
    if (viewing) URL.revokeObjectURL(viewing.url);
    viewing = { id: d.id, title: d.title, type: d.content_type, url: URL.createObjectURL(blob) };
    shown = true;
  } catch (_error) {
    notice = alertBox("error", { id: "problem", focus: true }, [t("ws.documents.failed")]);
    noticeAt = "actions";
  }
  renderCase();
  document.getElementById(shown ? "viewer-h" : "problem")?.focus();
}

function closeViewerSilently() {
  URL.revokeObjectURL(viewing.url);
  viewing = null;
}

function closeDocument() {
  const id = viewing.id;
  closeViewerSilently();
  renderCase();
  document.querySelector(`[data-document="${CSS.escape(id)}"] .view-document`)?.focus();
}

// -- consents and data fetched with them ------------------------------------------------------

const purposeTitle = (code) => (purposes[code] ? txt({ da: purposes[code].title_da,
  en: purposes[code].title_en }) : code);
const sourceName = (code) => known("ws.src." + code, code);
const dataLabel = (key, type) => {
  for (const step of (type && type.steps) || []) {
    const found = step.fields.find((f) => f.id === key);
    if (found) return txt(found.label);
  }
  return known("ws.data." + key, key.replace(/_/g, " "));
};

/** Does a consent in force let this case use this fetch? (The server decides; this informs.) */
function consentFor(app, file, fetch) {
  const now = new Date();
  return file.consents.find((c) => c.state === "active" && c.purpose === fetch.purpose
    && (c.case_ref == null || c.case_ref === app.id) && (!c.expires_at || new Date(c.expires_at) > now)
    && c.sources.includes(fetch.source)
    && fetch.data_categories.every((d) => c.data_categories.includes(d))) || null;
}

function consentsSection(app, file) {
  const scope = (c) => t(c.case_ref == null ? "ws.consents.case.any"
    : c.case_ref === app.id ? "ws.consents.case.this" : "ws.consents.case.other");
  return section(t("ws.consents"), "consents", file.consents.length
    ? el("ul", {}, file.consents.map((c) => el("li", { "data-consent": c.consent_id },
      el("strong", { text: purposeTitle(c.purpose) }),
      ` – ${t("ws.cs." + c.state)}; ${scope(c)}`,
      c.expires_at ? `; ${t("ws.consents.expires", { date: formatDate(c.expires_at) })}` : "",
      c.relevant && c.state === "active"
        ? el("span", { class: "tag", text: t("ws.consents.relevant") }) : null)))
    : el("p", { text: t("ws.consents.none") }));
}

function fetchSection(app, file, type) {
  const open = OPEN_STATES.includes(app.state);
  const consents = Object.fromEntries(file.consents.map((c) => [c.consent_id, c]));
  const fetches = Object.fromEntries(file.fetches.map((f) => [f.id, f]));
  const offer = (fetch) => {
    const consent = consentFor(app, file, fetch);
    return el("li", { class: "fetch-offer", "data-fetch": fetch.id },
      el("strong", { text: txt(fetch.title) }), el("br"),
      t("ws.fetch.from", { source: sourceName(fetch.source) }), " ",
      el("span", { class: "tag", text: t(consent ? "ws.fetch.consent.yes" : "ws.fetch.consent.no") }),
      open ? el("div", {}, el("button", { type: "button", class: "button button-secondary",
        id: "fetch-" + fetch.id, onclick: () => fetchData(fetch) }, t("ws.fetch.button"),
      el("span", { class: "sr-only", text: ": " + txt(fetch.title) }))) : null);
  };
  const record = (f) => {
    const consent = consents[f.consent_id];
    const values = Object.entries(f.data || {}).map(([k, v]) => [dataLabel(k, type), v]);
    return el("li", { class: "fetched-record", "data-fetch": f.fetch_id },
      el("h3", { class: "h4", text: fetches[f.fetch_id] ? txt(fetches[f.fetch_id].title) : f.fetch_id }),
      facts([[t("ws.fetched.source"), sourceName(f.source)],
        [t("ws.fetched.when"), formatDateTime(f.fetched_at)],
        [t("ws.fetched.consent"), (consent ? purposeTitle(consent.purpose) + " – " : "") + f.consent_id],
        ...values]));
  };
  return section(t("ws.fetched"), "fetched", noticeAt === "fetched" ? notice : null,
    file.fetches.length ? [el("p", { text: t("ws.fetch.lead") }),
      el("ul", { class: "fetch-offers" }, file.fetches.map(offer))] : null,
    file.fetched.length ? el("ul", { class: "fetched-records" }, file.fetched.map(record))
      : el("p", { text: t("ws.fetched.none") }));
}

async function fetchData(fetch) {
  const id = view.case.app.id;
  await settle(api("POST", `/api/applications/${encodeURIComponent(id)}/fetches/${
    encodeURIComponent(fetch.id)}`), t("ws.fetch.done", { title: txt(fetch.title) }), "fetched");
}

/** The case's stored (Danish) title; in English the catalogue's English title, if it has one. */
function caseTitle(app, type) {
  const english = lang() === "en" && type && type.title && type.title.en;
  return english || app.title;
}

function renderCase() {
  const { app, file, checks, documents, history, type } = view.case;
  document.title = (app.case_number || app.title) + " – Selvbetjening";
  const base = `/api/applications/${encodeURIComponent(app.id)}`;
  mount(root,
    el("p", {}, el("a", { href: "/workspace/", class: "back-link", text: t("ws.back") })),
    el("h1", { text: caseTitle(app, type) }),
    facts([[t("ws.case.number"), app.case_number], [t("ws.state"), t("ws.s." + app.state)],
      [t("ws.case.citizen_sees"), txt(app.status_text)],
      [t("ws.case.outcome"), app.outcome ? t("ws.f." + app.outcome) : null],
      [t("ws.case.submitted"), app.submitted_at && formatDateTime(app.submitted_at)],
      [t("ws.assignee"), app.assignee_id || t("ws.nobody")],
      [t("ws.case.granted"), app.granted_amount_ore != null ? kr(app.granted_amount_ore) : null]]),
    actions(app),
    section(t("ws.answers"), "answers", answers(app, type)),
    section(t("ws.checks"), "checks", checks.findings.length
      ? el("ul", {}, checks.findings.map((f) => el("li", {},
        el("strong", { text: known("ws.sev." + f.severity, f.severity) + ": " }), txt(f.message))))
      : el("p", { text: t("ws.checks.none") })),
    documentsSection(app, documents),
    consentsSection(app, file),
    fetchSection(app, file, type),
    section(t("ws.payments"), "payments", file.payments.length
      ? el("ul", {}, file.payments.map((p) => el("li", {
        text: `${formatDate(p.paid_on)}${p.period ? " (" + p.period + ")" : ""}: ${kr(p.amount_ore)}` })))
      : el("p", { text: t("ws.payments.none") })),
    section(t("ws.notes"), "notes", file.notes.length
      ? el("ul", {}, file.notes.map((n) => el("li", {
        text: `${formatDateTime(n.written_at)} ${n.written_by}: ${n.text}` })))
      : el("p", { text: t("ws.notes.none") })),
    section(t("ws.history"), "history", el("ol", {}, history.map((h) => el("li", {
      text: historyLine(app, h) })))));
}

async function loadCase(id) {
  if (viewing && view && view.case && view.case.app.id !== id) closeViewerSilently();
  const base = `/api/applications/${encodeURIComponent(id)}`;
  const [app, file, checks, documents, history] = await Promise.all(
    [base, base + "/case-file", base + "/checks", base + "/documents", base + "/history"]
      .map((path) => api("GET", path).then((r) => r.data)));
  const type = (await api("GET", "/api/applications/types/" + encodeURIComponent(app.type))).data;
  view = { case: { app, file, checks, documents, history, type } };
  renderCase();
}

async function act(action, body) {
  const id = view.case.app.id;
  await settle(api("POST", `/api/applications/${encodeURIComponent(id)}/case-actions`,
    { json: { action, ...body } }),
  t("ws.done", { action: t("ws.a." + (action === "assign" ? "claim" : action)) }));
}

/** Wait for an action, say how it went above the actions, and draw the case again. */
async function settle(request, doneText, where = "actions") {
  const id = view.case.app.id;
  noticeAt = where;
  try {
    await request;
    notice = alertBox("success", { id: "done", focus: true }, el("p", { class: "alert-text",
      text: doneText }));
  } catch (error) {
    notice = problemAlert(error);
  }
  await loadCase(id);
  const focus = document.getElementById(notice.id || "problem");
  if (focus) focus.focus();
}

// -- start ---------------------------------------------------------------------------------

async function load() {
  try {
    me = await requireSession();
    const [typeList, purposeList] = await Promise.all([api("GET", "/api/applications/types"),
      api("GET", "/api/consents/purposes").catch(() => ({ data: { purposes: [] } }))]);
    types = typeList.data;
    purposes = Object.fromEntries(purposeList.data.purposes.map((p) => [p.code, p]));
    const id = new URLSearchParams(location.search).get("sag");
    if (id) await loadCase(id);
    else await loadQueue();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => {
  notice = null; // said in the language it was said in; the page shows what holds now
  if (view) (view.queue ? renderQueue() : renderCase());
});
load();
