// /mine-sager/<id>/: one case as the citizen sees it: its status, what happened when (in the
// type's citizen-facing words), the documents they may see (their papers, letters; never
// internal notes), the deadline and the caseworker's words when information was requested,
// answering it with a text and papers (POST .../submit sends the case back to the caseworker),
// and withdrawing it after a confirmation. While the case is open, the consents its data
// fetches need, given and withdrawn here (case-consent.js).
import {
  ApiError, alertBox, api, el, formatDate, formatDateTime, initLanguage, mount, newKey,
  problemAlert, requireSession, scoped, showFatal, txt,
} from "/static/ui/ui.js";
import { consentPanel } from "/static/portal/case-consent.js";

const tr = scoped("case.");
const root = document.getElementById("app");
const id = root.dataset.id;
const WITHDRAWABLE = new Set(["submitted", "under_review", "awaiting_citizen"]);
let app = null;
let def = null;
let history = [];
let documents = [];
let confirming = false;
let notice = null;
let answerText = "";
let answerError = null;
let added = []; // files sent along with the answer this time
let submitKey = null;
const consent = consentPanel({ app: () => app, def: () => def, onChange: () => render() });

function statusText(key) {
  const status = (def.statuses || []).find((s) => s.state === key);
  return status ? txt(status.text) : null;
}

// The history in the citizen's words: state changes they would recognise, with the
// caseworker's request and the citizen's own answers; internal reasons stay out.
function events() {
  const items = [];
  for (const row of history) {
    let text = null;
    let detail = null;
    if (row.action === "submit") text = tr("history.submitted");
    else if (row.action === "request_information") {
      text = statusText("awaiting_citizen");
      detail = row.reason;
    } else if (row.action === "resume" && row.actor_type === "citizen") {
      text = tr("history.answered");
      detail = row.reason && row.reason !== "information provided" ? row.reason : null;
    } else if (row.action === "withdraw") text = tr("history.withdrawn");
    else if (row.to_state === "decided") text = statusText("decided_" + app.outcome);
    else if (row.to_state !== "draft") text = statusText(row.to_state);
    if (text) items.push({ at: row.at, text, detail });
  }
  return items.reverse(); // newest first
}

function requested() {
  return [...history].reverse().find((row) => row.action === "request_information");
}

function facts() {
  const list = [[tr("status"), txt(app.status_text)]];
  if (app.case_number) list.unshift([tr("number"), app.case_number]);
  if (app.submitted_at) list.push([tr("sent"), formatDateTime(app.submitted_at)]);
  return el("dl", { class: "facts", id: "case-facts" }, list.map(([name, value]) => [
    el("dt", { text: name }), el("dd", { text: value })]));
}

function answerSection() {
  const asked = requested();
  const kinds = (def.attachments || []).map((a) => [a.id, a]);
  const fileInput = el("input", { type: "file", id: "answer-file", class: "form-file",
                                  accept: ".pdf,.jpg,.jpeg,.png,.heic,.docx,image/*,application/pdf" });
  const kind = el("select", { id: "answer-kind", class: "form-select" },
    kinds.map(([key, value]) => el("option", { value: key, text: txt(value.title) })));
  return el("section", { class: "answer", "aria-labelledby": "asked-h" },
    el("div", { class: "alert alert-warning", id: "asked" },
      el("div", { class: "alert-body" },
        el("h2", { class: "alert-heading", id: "asked-h", text: tr("asked.h") }),
        app.information_deadline ? el("p", { class: "alert-text", id: "deadline",
          text: tr("asked.deadline", { date: formatDate(app.information_deadline) }) }) : null,
        asked && asked.reason ? [el("p", { class: "alert-text", text: tr("asked.message") }),
                                 el("blockquote", { class: "asked-message", text: asked.reason })]
          : null)),
    el("form", { id: "answer-form", novalidate: true, onsubmit: sendAnswer },
      el("h2", { text: tr("answer.h") }),
      el("div", { class: "form-group" + (answerError ? " form-error" : "") },
        el("label", { class: "form-label", for: "answer-text", text: tr("answer.text") }),
        el("p", { class: "form-hint", id: "answer-help", text: tr("answer.text.help") }),
        answerError ? el("p", { class: "form-error-message", id: "answer-error", text: answerError })
          : null,
        el("textarea", { id: "answer-text", class: "form-input", rows: "5", maxlength: "5000",
                         "aria-describedby": "answer-help" + (answerError ? " answer-error" : ""),
                         oninput: (event) => { answerText = event.target.value; } }, answerText)),
      kinds.length ? el("fieldset", { class: "form-group" },
        el("legend", { class: "form-label", text: tr("answer.files") }),
        el("label", { class: "form-label", for: "answer-kind", text: tr("answer.kind") }), kind,
        el("label", { class: "form-label", for: "answer-file", text: tr("answer.choose") }), fileInput,
        el("p", {}, el("button", { type: "button", class: "button button-secondary", id: "answer-upload",
                                   onclick: () => upload(fileInput, kind) }, tr("answer.add"))),
        el("div", { id: "answer-files", "aria-live": "polite" },
          added.map((name) => el("p", { class: "msg msg-ok", text: tr("answer.added", { name }) }))))
        : null,
      el("div", { class: "actions" },
        el("button", { type: "submit", class: "button button-primary", id: "answer-send",
                       text: tr("answer.send") }))));
}

function documentsSection() {
  const shown = documents.filter((d) => d.direction !== "internal");
  return el("section", { "aria-labelledby": "docs-h" },
    el("h2", { id: "docs-h", text: tr("docs.h") }),
    shown.length ? el("ul", { class: "documents", id: "documents" }, shown.map((d) => el("li", {},
      el("a", { href: `/api/applications/${encodeURIComponent(id)}/documents/${
        encodeURIComponent(d.id)}/content`, download: d.filename || "dokument" },
        d.title || d.filename, el("span", { class: "sr-only", text: " – " + tr("docs.download") })),
      " ", el("span", { class: "small", text: `${tr(d.direction === "outgoing" ? "docs.out" : "docs.in")}, ${
        formatDate(d.document_date || d.added_at)}` }))))
      : el("p", { text: tr("docs.none") }));
}

function historySection() {
  return el("section", { "aria-labelledby": "history-h" },
    el("h2", { id: "history-h", text: tr("history.h") }),
    el("ol", { class: "timeline", id: "history" }, events().map((item) => el("li", {},
      el("p", { class: "timeline-when small", text: formatDateTime(item.at) }),
      el("p", { class: "timeline-what", text: item.text }),
      item.detail ? el("blockquote", { text: item.detail }) : null))));
}

function withdrawSection() {
  if (!WITHDRAWABLE.has(app.state)) return null;
  if (!confirming) {
    return el("section", { "aria-labelledby": "withdraw-h", class: "withdraw" },
      el("h2", { id: "withdraw-h", text: tr("withdraw.h") }),
      el("p", { text: tr("withdraw.lead") }),
      el("button", { type: "button", class: "button button-secondary", id: "withdraw",
                     onclick: () => { confirming = true; render(); document.getElementById("confirm-h").focus(); } },
         tr("withdraw")));
  }
  return el("div", { class: "alert alert-warning confirm", role: "group", "aria-labelledby": "confirm-h" },
    el("div", { class: "alert-body" },
      el("h2", { class: "alert-heading", id: "confirm-h", tabindex: "-1", text: tr("withdraw.confirm.h") }),
      el("p", { class: "alert-text", text: tr("withdraw.confirm.text") }),
      el("div", { class: "button-row" },
        el("button", { type: "button", class: "button button-primary button-danger",
                       id: "confirm-withdraw", onclick: withdraw }, tr("withdraw.yes")),
        el("button", { type: "button", class: "button button-secondary", id: "cancel-withdraw",
                       onclick: () => { confirming = false; render(); document.getElementById("withdraw").focus(); } },
           tr("withdraw.no")))));
}

function render() {
  document.title = app.title + " – Selvbetjening";
  if (app.state === "draft") {
    mount(root, el("h1", { text: app.title }), el("p", { text: tr("draft") }),
      el("a", { class: "button button-primary", text: tr("draft.continue"),
                href: `/ansoeg/${encodeURIComponent(app.type)}/?id=${encodeURIComponent(app.id)}` }));
    return;
  }
  mount(root,
    el("p", {}, el("a", { class: "back-link", href: "/mine-sager/", text: "← " + tr("back") })),
    el("h1", { text: app.title, tabindex: "-1" }),
    notice,
    facts(),
    app.state === "awaiting_citizen" ? answerSection() : null,
    consent.section(),
    historySection(),
    documentsSection(),
    withdrawSection());
  consent.settle();
}

async function refresh() {
  const [one, rows, docs] = await Promise.all([
    api("GET", `/api/applications/${encodeURIComponent(id)}`),
    api("GET", `/api/applications/${encodeURIComponent(id)}/history`),
    api("GET", `/api/applications/${encodeURIComponent(id)}/documents`),
  ]);
  app = one.data;
  history = rows.data;
  documents = docs.data;
}

async function upload(input, kind) {
  const file = input.files && input.files[0];
  if (!file) {
    input.focus();
    return;
  }
  const form = new FormData();
  form.append("file", file);
  form.append("requirement", kind.value);
  form.append("title", file.name);
  try {
    await api("POST", `/api/applications/${encodeURIComponent(id)}/attachments`, { form });
    added.push(file.name);
    documents = (await api("GET", `/api/applications/${encodeURIComponent(id)}/documents`)).data;
    notice = null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
    notice = problemAlert(error, { id: "notice" });
  }
  render();
  document.getElementById(notice ? "notice" : "answer-upload").focus();
}

async function sendAnswer(event) {
  event.preventDefault();
  if (!answerText.trim() && !added.length) {
    answerError = tr("answer.empty");
    render();
    document.getElementById("answer-text").focus();
    return;
  }
  answerError = null;
  submitKey = submitKey || newKey();
  const button = document.getElementById("answer-send");
  button.disabled = true;
  button.textContent = tr("answer.sending");
  try {
    await api("POST", `/api/applications/${encodeURIComponent(id)}/submit`,
              { json: { message: answerText.trim() || null }, idempotencyKey: submitKey });
    notice = alertBox("success", { id: "notice", focus: true }, [tr("answer.sent")]);
    answerText = "";
    added = [];
    submitKey = null;
    await refresh();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
    notice = problemAlert(error, { id: "notice" });
  }
  render();
  document.getElementById("notice").focus();
}

async function withdraw() {
  try {
    await api("POST", `/api/applications/${encodeURIComponent(id)}/withdraw`, { json: {} });
    notice = alertBox("success", { id: "notice", focus: true }, [tr("withdrawn")]);
    confirming = false;
    await refresh();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
    notice = problemAlert(error, { id: "notice" });
  }
  render();
  document.getElementById("notice").focus();
}

async function load() {
  try {
    await requireSession();
    await refresh();
    def = (await api("GET", `/api/applications/types/${encodeURIComponent(app.type)}`)).data;
    await consent.load().catch(() => null); // without it, the rest of the case still shows
    render();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => app && def && render());
load();
