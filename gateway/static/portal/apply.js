// /ansoeg/<type>/: start an application, answer one step per screen (saved automatically),
// send papers, check the answers, send, and get a receipt with the case number.
//
// URL: /ansoeg/<type>/ (intro), ?id=<application>&trin=<n> (a step; any device can resume).
import {
  ApiError, actingFor, api, el, mount, forCitizen, formatDate, formatDateTime, formatNumber,
  formatTime, goLogin, initLanguage, newKey, requireSession, showFatal, t, txt,
} from "/static/ui/ui.js";
import { attachmentRequired as askedWith, visible as shownWith } from "/static/ui/guidance.js";
import { fetchPanel, fetchedNote, fetchesFor } from "./consented-fetch.js";

const root = document.getElementById("app");
const typeId = root.dataset.type;
const STASH = "sb_unsaved:"; // answers not yet saved when the session ran out (this tab only)

const s = {
  def: null,        // the type's definition (steps, fields, attachments, statuses)
  app: null,        // the application as the API last answered
  etag: null,
  findings: [],     // from GET .../checks
  documents: [],
  drafts: [],       // the intro: drafts of this type already started
  step: 0,          // 1..total when an application is open
  attempted: new Set(), // steps where "continue" was pressed: now required fields are errors
  pending: {},      // answers waiting to be saved
  saveTimer: null,
  saving: null,     // the save in flight (a promise)
  failures: 0,
  submitKey: null,
  notice: null,     // a message for the next screen
  fetchNotice: null, // the outcome of "Hent mine oplysninger", shown once above the fields
};

const EDITABLE = ["draft", "awaiting_citizen"];
const fieldSteps = () => s.def.steps;
const total = () => fieldSteps().length + 2; // + papers + review
const ATTACH_STEP = () => fieldSteps().length + 1;
const REVIEW_STEP = () => fieldSteps().length + 2;
const appId = () => s.app && s.app.id;

function stepUrl(step) {
  const query = new URLSearchParams({ id: appId() });
  if (step) query.set("trin", String(step));
  return `/ansoeg/${encodeURIComponent(typeId)}/?${query}`;
}

// -- conditions: the catalogue's rules, evaluated as the service does (ui/guidance.js) -----------

const today = () => new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Copenhagen" })
  .format(new Date());

function currentValues() {
  return { ...s.app.answers, ...s.pending };
}

const visible = (field, answers) => shownWith(s.def, field, answers,
                                              s.app.attachments_provided, today());

const attachmentRequired = (attachment, answers) => askedWith(
  s.def, attachment, answers, s.app.attachments_provided, today());

// -- loading -------------------------------------------------------------------------------------

async function reloadApplication() {
  const answer = await api("GET", `/api/applications/${encodeURIComponent(appId())}`);
  s.app = answer.data;
  s.etag = answer.etag;
}

async function refreshChecks() {
  s.findings = (await api("GET", `/api/applications/${encodeURIComponent(appId())}/checks`))
    .data.findings;
}

async function refreshDocuments() {
  s.documents = (await api("GET", `/api/applications/${encodeURIComponent(appId())}/documents`))
    .data.filter((d) => d.direction === "incoming" && d.requirement_id);
}

async function load() {
  try {
    await requireSession();
    s.def = (await api("GET", `/api/applications/types/${encodeURIComponent(typeId)}`)).data;
    const query = new URLSearchParams(location.search);
    const id = query.get("id");
    if (!id) {
      const mine = (await api("GET", forCitizen("/api/applications"))).data;
      s.drafts = mine.filter((a) => a.type === typeId && a.state === "draft");
      return renderIntro();
    }
    s.app = { id };
    try {
      await reloadApplication();
    } catch (error) {
      if (error.status === 404) throw new ApiError(404, { title: t("notfound") });
      throw error;
    }
    if (s.app.type !== typeId) { // a link with the wrong type: show it under its own
      location.replace(`/ansoeg/${encodeURIComponent(s.app.type)}/?id=${encodeURIComponent(id)}`);
      return;
    }
    await Promise.all([refreshChecks(), refreshDocuments()]);
    restoreStash();
    const wanted = parseInt(query.get("trin") || "1", 10);
    s.step = Math.min(Math.max(Number.isFinite(wanted) ? wanted : 1, 1), total());
    show();
  } catch (error) {
    showFatal(root, error, load);
  }
}

// -- the screens ------------------------------------------------------------------------------

function show(focus = true) {
  if (!s.app || !s.app.version) return renderIntro();
  if (!EDITABLE.includes(s.app.state)) return renderReceipt(focus);
  if (s.step <= fieldSteps().length) return renderStep(focus);
  if (s.step === ATTACH_STEP()) return renderAttachments(focus);
  return renderReview(focus);
}

function go(step) {
  s.step = step;
  history.pushState({ step }, "", stepUrl(step));
  show();
  window.scrollTo(0, 0);
}

window.addEventListener("popstate", async () => {
  if (!s.app || !s.app.version) return;
  await flush();
  const step = parseInt(new URLSearchParams(location.search).get("trin") || "1", 10);
  s.step = Math.min(Math.max(step || 1, 1), total());
  show();
});

function focusHeading() {
  const heading = root.querySelector("h1");
  if (heading) heading.focus();
}

function header(title, step) {
  const nodes = [];
  if (step > 1) {
    nodes.push(el("a", { href: stepUrl(step - 1), class: "back-link", onclick: (event) => {
      event.preventDefault();
      flush().then(() => go(step - 1));
    } }, "← " + t("back")));
  }
  nodes.push(
    el("p", { class: "progress-text", id: "progress" },
       t("progress", { n: step, total: total() })),
    el("progress", { max: String(total()), value: String(step), "aria-hidden": "true" }),
    el("p", { class: "caption", text: t("applying.for", { title: txt(s.def.title) }) }),
    el("h1", { tabindex: "-1", text: title }));
  return nodes;
}

function statusLine() {
  return el("p", { id: "save-status", class: "save-status", role: "status",
                   text: t("save.auto") });
}

function setSaveStatus(text, kind = "") {
  const line = document.getElementById("save-status");
  if (!line) return;
  line.textContent = text;
  line.className = "save-status " + kind;
}

function laterLink() {
  return el("p", { class: "later" }, el("a", { href: "/mine-sager/", onclick: (event) => {
    event.preventDefault();
    flush().then(() => { if (!Object.keys(s.pending).length) location.assign("/mine-sager/"); });
  } }, t("later")));
}

function renderIntro() {
  const def = s.def;
  document.title = txt(def.title) + " – Selvbetjening";
  const law = def.legal_basis;
  const existing = s.drafts.length ? el("div", { class: "alert alert-info" },
    el("p", { text: t("intro.existing", { title: txt(def.title) }) }),
    s.drafts.map((draft) => el("p", {}, el("a", {
      class: "button button-secondary", href: `/ansoeg/${encodeURIComponent(typeId)}/?id=${
        encodeURIComponent(draft.id)}`,
    }, t("intro.continue"), el("span", { class: "sr-only",
                                         text: " – " + formatDate(draft.created_at) })))),
    el("p", { text: t("intro.or") })) : null;
  const start = el("button", { type: "button", class: "button button-primary", id: "start",
                               text: t("intro.start") });
  const message = el("div", { class: "messages", "aria-live": "polite" });
  let key = null;
  start.addEventListener("click", async () => {
    start.disabled = true;
    key = key || newKey(); // the same key on a retry: never two drafts
    try {
      const acting = actingFor(); // a proxy applies in the name of the person they act for
      const answer = await api("POST", "/api/applications", {
        json: { type: typeId, ...(acting ? { citizen_id: acting.citizen_id } : {}) },
        idempotencyKey: key });
      s.app = answer.data;
      s.etag = answer.etag;
      s.findings = [];
      s.documents = [];
      await refreshChecks();
      s.step = 1;
      history.replaceState({ step: 1 }, "", stepUrl(1));
      show();
    } catch (error) {
      if (error.status === 401) return goLogin();
      message.replaceChildren(el("p", { class: "msg msg-error", text: error.message }));
      start.disabled = false;
    }
  });
  mount(root,
    el("a", { href: "/ansoeg/", class: "back-link" }, "← " + t("intro.back")),
    el("h1", { tabindex: "-1", text: txt(def.title) }),
    el("p", { class: "lead", text: txt(def.summary) }),
    law ? el("p", { class: "small" }, t("intro.rules", { law: txt(law.law),
                                                         section: law.section })) : null,
    el("h2", { text: t("intro.how") }),
    el("ol", { class: "steps-list" },
       el("li", { text: t("intro.how.1", { n: fieldSteps().length }) }),
       el("li", { text: t("intro.how.2") }),
       el("li", { text: t("intro.how.3") })),
    el("p", { text: t("intro.saved") }),
    existing,
    start, message);
}

// one step of questions

function fieldInput(field, value) {
  const id = "f-" + field.id;
  const described = [field.help ? id + "-help" : null, id + "-msg"].filter(Boolean).join(" ");
  const label = [txt(field.label), field.required ? null
    : el("span", { class: "optional", text: " " + t("optional") })];
  const help = field.help ? el("p", { class: "form-hint", id: id + "-help", text: txt(field.help) })
    : null;
  const messages = el("div", { class: "messages", id: id + "-msg", "aria-live": "polite" });
  const wrap = (...nodes) => el("div", { class: "form-group", id: "wrap-" + field.id,
                                         "data-field": field.id }, ...nodes);
  if (field.type === "boolean" || field.type === "choice") {
    const options = field.type === "boolean"
      ? [[true, t("yes")], [false, t("no")]]
      : field.choices.map((c) => [c.value, txt(c.label)]);
    return wrap(el("fieldset", { "aria-describedby": described, id },
      el("legend", { class: "form-label" }, label), help, messages,
      el("div", { class: "radios" + (field.type === "boolean" ? " radios-inline" : "") },
         options.map(([optionValue, text], index) => el("div", { class: "radio" },
           el("input", { type: "radio", name: field.id, id: `${id}-${index}`,
                         value: JSON.stringify(optionValue), checked: value === optionValue }),
           el("label", { for: `${id}-${index}`, text }))))));
  }
  let input;
  if (field.type === "textarea") {
    input = el("textarea", { id, name: field.id, rows: "5", maxlength: "5000", class: "form-input",
                             "aria-describedby": described });
    input.value = value ?? "";
  } else {
    const numeric = field.type === "integer" || field.type === "money";
    input = el("input", {
      id, name: field.id, "aria-describedby": described,
      type: field.type === "date" ? "date" : "text",
      inputmode: numeric ? "numeric" : null, autocomplete: "off", spellcheck: numeric ? "false" : null,
      maxlength: field.type === "text" ? "200" : null,
      class: numeric ? "form-input input-number" : "form-input",
    });
    input.value = value === null || value === undefined ? ""
      : (field.type === "money" && typeof value === "number" ? formatNumber(value) : String(value));
    if (field.type === "money") {
      input = el("div", { class: "input-suffix" }, input,
                 el("span", { class: "suffix", "aria-hidden": "true", text: t("kr") }));
    }
  }
  return wrap(el("label", { for: id, class: "form-label" }, label), help,
              fetchedNote(s.app, field, value), messages, input);
}

function readField(field) {
  if (field.type === "boolean" || field.type === "choice") {
    const checked = root.querySelector(`input[name="${field.id}"]:checked`);
    return checked ? JSON.parse(checked.value) : null;
  }
  const input = document.getElementById("f-" + field.id);
  const raw = input.value.trim();
  if (raw === "") return null;
  if (field.type === "integer" || field.type === "money") {
    const plain = raw.replace(/[ .]/g, "").replace(/(kr\.?|dkk)$/i, "").trim();
    return /^-?\d+$/.test(plain) ? parseInt(plain, 10) : raw; // the service says what is wrong
  }
  return raw;
}

function stepFields(step) {
  return fieldSteps()[step - 1].fields;
}

function findingsFor(fieldIds, attempted) {
  return s.findings.filter((f) => fieldIds.includes(f.field)
    && (attempted || f.code !== "application.field_required"));
}

function messageNode(finding) {
  return el("p", { class: "msg msg-" + finding.severity },
            el("strong", { text: t("msg." + finding.severity) + " " }), txt(finding.message));
}

/** Show visibility, findings and the error summary for the step on screen. */
function updateStep() {
  const values = currentValues();
  const fields = stepFields(s.step);
  const attempted = s.attempted.has(s.step);
  const shown = fields.filter((f) => visible(f, values));
  for (const field of fields) {
    const wrap = document.getElementById("wrap-" + field.id);
    wrap.hidden = !shown.includes(field);
    const found = findingsFor([field.id], attempted);
    const box = document.getElementById(`f-${field.id}-msg`);
    const text = found.map((f) => f.code + txt(f.message)).join("|");
    if (box.dataset.shown !== text) { // touch the live region only when something changed
      box.replaceChildren(...found.map(messageNode));
      box.dataset.shown = text;
    }
    const invalid = found.some((f) => f.severity === "error");
    wrap.classList.toggle("form-error", invalid);
    const control = document.getElementById("f-" + field.id);
    if (invalid) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
  const summary = document.getElementById("error-summary");
  if (summary && !summary.hidden) { // keep the summary true as the answers get corrected
    const ids = shown.map((f) => f.id);
    errorSummary(findingsFor(ids, true).filter((f) => f.severity === "error"), false);
  }
}

function errorSummary(errors, focus = true) {
  const box = document.getElementById("error-summary");
  if (!errors.length) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    el("h2", { text: t("summary.h") }),
    el("ul", {}, errors.map((f) => el("li", {}, el("a", {
      href: "#f-" + (f.field || "").replace("attachments.", "att-"),
      onclick: (event) => {
        event.preventDefault();
        const target = document.getElementById(event.currentTarget.hash.slice(1));
        const control = target && (target.querySelector("input") || target);
        if (control) control.focus();
      },
    }, txt(f.message))))));
  box.hidden = false;
  if (focus) box.focus();
}

function renderStep(focus) {
  const step = fieldSteps()[s.step - 1];
  document.title = `${txt(step.title)} – ${t("progress", { n: s.step, total: total() })}`;
  const answers = { ...s.app.answers, ...s.pending };
  const form = el("form", { novalidate: true, id: "step-form" },
    step.fields.map((field) => fieldInput(field, answers[field.id] ?? null)),
    el("div", { class: "actions" },
       el("button", { type: "submit", class: "button button-primary", id: "next", text: t("next") })));
  const textTimers = {};
  const byId = Object.fromEntries(step.fields.map((f) => [f.id, f]));
  form.addEventListener("input", (event) => {
    const field = byId[event.target.name];
    if (!field) return;
    s.pending[field.id] = readField(field);
    const typing = event.target.tagName === "TEXTAREA" || event.target.type === "text";
    updateStep(); // visibility follows the answer at once
    clearTimeout(textTimers[field.id]);
    if (typing) textTimers[field.id] = setTimeout(() => scheduleSave(0), 1200);
    else scheduleSave(0);
  });
  form.addEventListener("change", (event) => {
    const field = byId[event.target.name];
    if (!field) return;
    s.pending[field.id] = readField(field);
    scheduleSave(0);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("next");
    button.disabled = true;
    for (const field of step.fields) {
      const value = readField(field);
      if (value !== (s.app.answers[field.id] ?? null)) s.pending[field.id] = value;
    }
    const saved = await flush();
    button.disabled = false;
    if (!saved) return setSaveStatus(t("save.failed"), "save-error");
    s.attempted.add(s.step);
    const values = currentValues();
    const ids = step.fields.filter((f) => visible(f, values)).map((f) => f.id);
    updateStep();
    const errors = findingsFor(ids, true).filter((f) => f.severity === "error");
    if (errors.length) return errorSummary(errors);
    go(s.step + 1);
  });
  const fetching = el("div", { id: "fetches" }, s.fetchNotice);
  s.fetchNotice = null;
  mount(root, ...header(txt(step.title), s.step),
    el("div", { id: "error-summary", class: "error-summary", tabindex: "-1",
                hidden: true }),
    fetching, form, statusLine(), laterLink());
  updateStep();
  if (focus) focusHeading();
  addFetchPanels(fetching, step);
}

// "Hent mine oplysninger": offered above the fields a register can fill (consented-fetch.js)
async function addFetchPanels(box, step) {
  for (const fetch of fetchesFor(s.def, step)) {
    const panel = await fetchPanel(s.app, s.def, fetch, async (app, notice) => {
      await flush();
      if (app !== s.app) {
        s.app = app;
        await reloadApplication(); // the answers and the version (ETag) after the fetch
        await refreshChecks().catch(() => {});
      }
      s.fetchNotice = notice;
      renderStep(false);
      const shown = document.getElementById("fetch-done");
      if (shown) shown.focus();
    });
    if (panel && box.isConnected) box.append(panel);
  }
}

// saving: one request at a time; answers typed meanwhile go in the next one

function scheduleSave(delay) {
  clearTimeout(s.saveTimer);
  s.saveTimer = setTimeout(() => { flush(); }, delay);
}

/** Save everything pending; true when nothing is left unsaved. */
async function flush() {
  clearTimeout(s.saveTimer);
  while (s.saving) await s.saving;
  if (!Object.keys(s.pending).length) return true;
  const batch = s.pending;
  s.pending = {};
  s.saving = save(batch).finally(() => { s.saving = null; });
  const ok = await s.saving;
  return ok && !Object.keys(s.pending).length ? true : ok && flush();
}

async function save(batch) {
  setSaveStatus(t("save.saving"));
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const answer = await api("PATCH", `/api/applications/${encodeURIComponent(appId())}/answers`,
                               { json: { answers: batch }, etag: s.etag });
      s.app = answer.data;
      s.etag = answer.etag;
      s.failures = 0;
      setSaveStatus(t("save.saved", { time: formatTime(new Date()) }), "save-ok");
      await refreshChecks().catch(() => {});
      if (s.step <= fieldSteps().length && document.getElementById("step-form")) updateStep();
      return true;
    } catch (error) {
      if (error.status === 412) { // saved elsewhere meanwhile: take that version, ours on top
        await reloadApplication().catch(() => {});
        continue;
      }
      if (error.status === 401) {
        stash({ ...batch, ...s.pending });
        goLogin();
        return false;
      }
      if (error.status === 409) { // sent or withdrawn meanwhile
        await reloadApplication().catch(() => {});
        setSaveStatus(t("save.conflict"), "save-error");
        return false;
      }
      s.pending = { ...batch, ...s.pending };
      if (error.status === 422) {
        setSaveStatus(error.message, "save-error");
        s.pending = {};
        return false;
      }
      s.failures += 1; // network, rate limit, server trouble: keep the answers, try again
      setSaveStatus(t("save.retry"), "save-error");
      scheduleSave(Math.min(2000 * 2 ** s.failures, 30000));
      return false;
    }
  }
  s.pending = { ...batch, ...s.pending };
  s.failures += 1; // saved elsewhere three times in a row: keep ours and try again later
  setSaveStatus(t("save.failed"), "save-error");
  scheduleSave(Math.min(2000 * 2 ** s.failures, 30000));
  return false;
}

function stash(answers) {
  try {
    sessionStorage.setItem(STASH + appId(), JSON.stringify(answers));
  } catch (_e) { /* nothing more we can do */ }
}

function restoreStash() {
  try {
    const saved = sessionStorage.getItem(STASH + appId());
    sessionStorage.removeItem(STASH + appId());
    if (saved && EDITABLE.includes(s.app.state)) {
      s.pending = JSON.parse(saved);
      scheduleSave(0);
    }
  } catch (_e) { /* nothing stashed */ }
}

window.addEventListener("beforeunload", (event) => {
  if (Object.keys(s.pending).length || s.saving) event.preventDefault();
});

// papers

function renderAttachments(focus) {
  document.title = `${t("att.h1")} – ${t("progress", { n: s.step, total: total() })}`;
  const values = currentValues();
  const cards = s.def.attachments.map((attachment) => {
    const required = attachmentRequired(attachment, values);
    const files = s.documents.filter((d) => d.requirement_id === attachment.id);
    const id = "f-att-" + attachment.id;
    const messages = el("div", { class: "messages", id: id + "-msg", "aria-live": "polite" });
    const missing = s.attempted.has(s.step) && s.findings.find(
      (f) => f.field === "attachments." + attachment.id && f.severity === "error");
    if (missing) messages.append(messageNode(missing));
    const input = el("input", {
      type: "file", id, name: attachment.id, class: "file-input",
      accept: ".pdf,.jpg,.jpeg,.png,.heic,.docx,application/pdf,image/jpeg,image/png,image/heic",
      "aria-describedby": [attachment.help ? id + "-help" : null, id + "-msg"]
        .filter(Boolean).join(" "),
    });
    input.addEventListener("change", () => upload(attachment, input, messages));
    return el("section", { class: "card attachment" + (missing ? " field-error" : ""),
                           id: "wrap-att-" + attachment.id, "aria-labelledby": id + "-title" },
      el("h2", { id: id + "-title" }, txt(attachment.title), " ",
         el("span", { class: "tag" + (required ? " tag-required" : ""),
                      text: required ? t("att.required") : t("att.optional") })),
      attachment.help ? el("p", { class: "form-hint", id: id + "-help", text: txt(attachment.help) })
        : null,
      files.length ? el("div", { class: "files" }, el("p", { text: t("att.files") }),
        el("ul", {}, files.map((d) => el("li", { text: `${d.filename || d.title} ✓` })))) : null,
      messages,
      input, // visually hidden but focusable; its label is the big button people see
      el("label", { for: id, class: "button button-secondary file-label", text: t("att.choose") }));
  });
  const next = el("button", { type: "button", class: "button button-primary", id: "next", text: t("next") });
  next.addEventListener("click", async () => {
    s.attempted.add(s.step);
    await refreshChecks().catch(() => {});
    const errors = s.findings.filter((f) => (f.field || "").startsWith("attachments.")
                                            && f.severity === "error");
    if (errors.length) {
      renderAttachments(false);
      return errorSummary(errors);
    }
    go(s.step + 1);
  });
  mount(root, ...header(t("att.h1"), s.step),
    el("div", { id: "error-summary", class: "error-summary", tabindex: "-1",
                hidden: true }),
    el("p", { class: "lead", text: t("att.lead") }),
    ...cards,
    el("div", { class: "actions" }, next), statusLine(), laterLink());
  if (focus) focusHeading();
}

async function upload(attachment, input, messages) {
  const file = input.files && input.files[0];
  if (!file) return;
  messages.replaceChildren(el("p", { class: "msg", text: t("att.sending") }));
  const form = new FormData();
  form.append("requirement", attachment.id);
  form.append("title", txt(attachment.title));
  form.append("file", file, file.name);
  try {
    await flush();
    await api("POST", `/api/applications/${encodeURIComponent(appId())}/attachments`, { form });
    // An attachment counts as a change: the version moved on.
    await Promise.all([reloadApplication(), refreshDocuments(), refreshChecks()]);
    renderAttachments(false);
    const box = document.getElementById(`f-att-${attachment.id}-msg`);
    box.replaceChildren(el("p", { class: "msg msg-ok", text: t("att.sent", { name: file.name }) }));
    document.getElementById("f-att-" + attachment.id).focus();
  } catch (error) {
    if (error.status === 401) return goLogin();
    input.value = "";
    messages.replaceChildren(messageNode({ severity: "error", message: error.message }));
  }
}

// review and send

function formatAnswer(field, value) {
  if (value === null || value === undefined || value === "") return null;
  if (field.type === "boolean") return value === true ? t("yes") : value === false ? t("no")
    : String(value);
  if (field.type === "choice") {
    const choice = field.choices.find((c) => c.value === value);
    return choice ? txt(choice.label) : String(value);
  }
  if (field.type === "money" && typeof value === "number") return `${formatNumber(value)} ${t("kr")}`;
  if (field.type === "integer" && typeof value === "number") return formatNumber(value);
  if (field.type === "date") return formatDate(value);
  return String(value);
}

function stepOf(fieldId) {
  if ((fieldId || "").startsWith("attachments.")) return ATTACH_STEP();
  const index = fieldSteps().findIndex((step) => step.fields.some((f) => f.id === fieldId));
  return index >= 0 ? index + 1 : null;
}

function stepLink(step, text, hidden) {
  return el("a", { href: stepUrl(step), onclick: (event) => {
    event.preventDefault();
    go(step);
  } }, text, hidden ? el("span", { class: "sr-only", text: " – " + hidden }) : null);
}

function renderReview(focus) {
  document.title = `${t("review.h1")} – ${t("progress", { n: s.step, total: total() })}`;
  const values = currentValues();
  const sections = fieldSteps().map((step, index) => el("section", { class: "card review" },
    el("h2", { text: txt(step.title) }),
    el("dl", { class: "answers" }, step.fields.filter((f) => visible(f, values)).map((field) => {
      const shown = formatAnswer(field, s.app.answers[field.id]);
      return el("div", { class: "answer" }, el("dt", { text: txt(field.label) }),
                el("dd", { class: shown ? null : "unanswered", text: shown || t("review.none") }));
    })),
    stepLink(index + 1, t("review.change"), txt(step.title))));
  sections.push(el("section", { class: "card review" },
    el("h2", { text: t("review.att") }),
    s.documents.length ? el("ul", {}, s.documents.map((d) => {
      const attachment = s.def.attachments.find((a) => a.id === d.requirement_id);
      return el("li", { text: `${attachment ? txt(attachment.title) : d.title}: ${d.filename}` });
    })) : el("p", { text: t("review.noatt") }),
    stepLink(ATTACH_STEP(), t("review.change"), t("review.att"))));
  const errors = s.findings.filter((f) => f.severity === "error");
  const warnings = s.findings.filter((f) => f.severity === "warning");
  const hints = s.findings.filter((f) => f.severity === "hint");
  const list = (items, cls, title) => items.length ? el("div", { class: "alert " + cls },
    el("h2", { text: title }),
    el("ul", {}, items.map((f) => {
      const step = stepOf(f.field);
      return el("li", {}, txt(f.message), " ",
                step && cls === "alert-error" ? stepLink(step, t("review.change")) : null);
    }))) : null;
  const notice = s.notice ? el("p", { class: "msg msg-warning", text: s.notice }) : null;
  s.notice = null;
  const send = el("button", { type: "button", class: "button button-primary", id: "send",
                              text: t("review.send") });
  const message = el("div", { class: "messages", id: "send-msg", "aria-live": "assertive" });
  send.addEventListener("click", () => submit(send, message));
  mount(root, ...header(t("review.h1"), s.step), notice,
    el("div", { id: "review-errors", role: errors.length ? "alert" : null },
       list(errors, "alert-error", t("review.errors"))),
    list(warnings, "alert-warning", t("review.warnings")),
    list(hints, "alert-info", t("review.hints")),
    ...sections,
    el("p", { text: t("review.confirm") }),
    message,
    el("div", { class: "actions" }, send), laterLink());
  if (focus) focusHeading();
}

async function submit(button, message) {
  button.disabled = true;
  button.textContent = t("review.sending");
  message.replaceChildren();
  const ready = await flush();
  s.submitKey = s.submitKey || newKey(); // a retry after a lost answer sends the same key
  try {
    if (!ready) throw new ApiError(0, { title: t("save.failed") });
    const answer = await api("POST", `/api/applications/${encodeURIComponent(appId())}/submit`,
                             { etag: s.etag, idempotencyKey: s.submitKey });
    s.app = answer.data;
    s.etag = answer.etag;
    s.submitKey = null;
    history.replaceState({}, "", stepUrl(null));
    renderReceipt(true);
    window.scrollTo(0, 0);
  } catch (error) {
    if (error.status === 401) return goLogin();
    button.disabled = false;
    button.textContent = t("review.send");
    if (error.status === 412 || error.status === 422 || error.status === 409) {
      s.submitKey = null;
      await Promise.all([reloadApplication(), refreshChecks(), refreshDocuments()])
        .catch(() => {});
      if (error.status === 412) s.notice = t("review.changed");
      show(false);
      const box = document.getElementById("review-errors");
      if (box && box.firstChild) box.scrollIntoView();
      if (error.status !== 412) {
        const again = document.getElementById("send-msg");
        if (again) again.replaceChildren(el("p", { class: "msg msg-error", text: error.message }));
      }
      return;
    }
    message.replaceChildren(el("p", { class: "msg msg-error",
                                      text: error.status === 0 ? t("review.retry")
                                                               : error.message }));
  }
}

// the receipt

function renderReceipt(focus) {
  document.title = `${t("receipt.h1")} – ${s.app.case_number || ""}`;
  const statusText = (state) => {
    const entry = s.def.statuses.find((x) => x.state === state);
    return entry ? txt(entry.text) : null;
  };
  const print = el("button", { type: "button", class: "button button-secondary", id: "print",
                               text: t("receipt.print") });
  print.addEventListener("click", () => window.print());
  mount(root,
    el("div", { class: "alert alert-success", id: "receipt" },
       el("h1", { tabindex: "-1", text: t("receipt.h1") }),
       el("p", {}, t("receipt.number")),
       el("p", { class: "case-number", id: "case-number", text: s.app.case_number || "" }),
       el("p", { text: txt(s.app.status_text) }),
       s.app.submitted_at ? el("p", { class: "small",
                                      text: t("receipt.sent", {
                                        time: formatDateTime(s.app.submitted_at) }) }) : null),
    el("p", { text: t("receipt.keep") }),
    el("h2", { text: t("receipt.next") }),
    el("ol", { class: "steps-list" },
       el("li", { text: statusText("under_review") }),
       el("li", { text: t("receipt.step.more") }),
       el("li", { text: t("receipt.step.answer") })),
    el("p", {}, t("receipt.follow") + " ", el("a", { href: "/mine-sager/",
                                                     text: t("nav.cases") }), "."),
    el("div", { class: "actions" }, print));
  if (focus) focusHeading();
}

initLanguage(() => { if (s.def) show(false); });
load();
