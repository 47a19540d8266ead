// Filling in an application with the citizen, offline: the type's steps one screen at a time
// with the same guidance as the portal (ui/guidance.js evaluates the catalogue's rules on
// the tablet), attachments from the camera or files (kept encrypted on the tablet), a summary
// the citizen confirms, then into the outbox: submit, or keep as a draft for the citizen.
//
// The work in progress is a record "work:<id>" in the vault, saved on every answer, so a reload
// or a flat battery loses nothing. Continuing the citizen's draft keeps the version it started
// from; only the answers changed here are sent, with If-Match on that version.
import { newKey } from "/static/ui/ui.js";
import { attachmentRequired, evaluate, visible } from "/static/ui/guidance.js";
import { el } from "./dom.js";
import { data, now, today, visitById } from "./data.js";
import { box, enqueue } from "./outbox.js";
import { clock, number, pick, shortDate, t } from "./texts.js";
import * as vault from "./vault.js";
import { routeView, ui } from "./views.js";

// File endings for the type the service accepts (the rules come with the type: attachment_rules).
const ENDINGS = {
  "application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/heic": "heic",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
};

let work = null; // the application being filled in (also in the vault as "work:<id>")

async function keep() {
  work.saved_at = new Date(now()).toISOString();
  await vault.put("work:" + work.id, work);
}

async function open(record) {
  work = record;
  await keep();
  ui.go({ name: "form", work: work.id, step: record.step || 1, attempted: [] });
}

export function startApplication(visit, typeId) {
  const type = data.types.find((candidate) => candidate.id === typeId);
  return open({ id: newKey(), type: typeId, title: type.title, citizen_id: visit.citizen_id,
                appointment_id: visit.appointment_id, app_id: null, version: null, base: {}, answers: {},
                provided: [], files: [] });
}

export function continueDraft(visit, application) {
  return open({ id: newKey(), type: application.type,
                title: (data.types.find((x) => x.id === application.type) || {}).title || application.title,
                citizen_id: visit.citizen_id, appointment_id: visit.appointment_id, app_id: application.id,
                version: application.version, base: application.answers, answers: { ...application.answers },
                provided: application.attachments_provided || [], files: [],
                base_saved_at: application.updated_at });
}

const def = () => data.defs[work.type];
const steps = () => def().steps;
const total = () => steps().length + 2;
const provided = () => [...new Set(work.provided.concat(work.files.map((f) => f.requirement)))];
const findings = () => evaluate(def(), work.answers, provided(), today());

function header(view, title) {
  return [
    el("p", { class: "caption" }, pick(work.title), " · ", t("form.progress", { n: view.step, total: total() })),
    el("progress", { max: String(total()), value: String(view.step), "aria-hidden": "true" }),
    el("h1", { tabindex: "-1" }, title),
    work.app_id && view.step === 1 ? el("p", { class: "small", id: "form-base" },
      t("form.base", { version: work.version, time: shortDate(work.base_saved_at || work.saved_at) })) : null,
  ];
}

function nav(view, next) {
  return el("div", { class: "actions" },
    view.step > 1 ? el("button", { type: "button", class: "button-quiet", id: "prev",
                                   onclick: () => ui.go({ ...view, step: view.step - 1 }) }, t("form.back")) : null,
    next,
    el("button", { type: "button", class: "button-quiet", id: "keep-draft",
                   onclick: (event) => queue("draft", event.currentTarget) }, t("review.draft")));
}

function message(finding) {
  return el("p", { class: "msg msg-" + finding.severity, "data-code": finding.code },
    el("strong", null, t("form." + finding.severity), " "), pick(finding.message));
}

function input(field, value) {
  const id = "f-" + field.id;
  const label = [pick(field.label), field.required ? null : el("span", { class: "small" }, " " + t("form.optional"))];
  const help = field.help ? el("p", { class: "small", id: id + "-help" }, pick(field.help)) : null;
  const box_ = el("div", { class: "messages", id: id + "-msg", "aria-live": "polite" });
  const wrap = (...nodes) => el("div", { class: "field", id: "wrap-" + field.id, "data-field": field.id }, ...nodes);
  if (field.type === "boolean" || field.type === "choice") {
    const options = field.type === "boolean" ? [[true, t("form.yes")], [false, t("form.no")]]
      : field.choices.map((c) => [c.value, pick(c.label)]);
    return wrap(el("fieldset", { id, "aria-describedby": id + "-msg" },
      el("legend", null, label), help, box_,
      options.map(([option, text], i) => el("label", { class: "choice", for: `${id}-${i}` },
        el("input", { type: "radio", name: field.id, id: `${id}-${i}`, value: JSON.stringify(option),
                      checked: value === option }), text))));
  }
  const numeric = field.type === "integer" || field.type === "money";
  const control = field.type === "textarea"
    ? el("textarea", { id, name: field.id, rows: "4", maxlength: "5000", "aria-describedby": id + "-msg" })
    : el("input", { id, name: field.id, type: field.type === "date" ? "date" : "text", autocomplete: "off",
                    inputmode: numeric ? "numeric" : null, "aria-describedby": id + "-msg" });
  control.value = value === null || value === undefined ? ""
    : field.type === "money" && typeof value === "number" ? number(value) : String(value);
  return wrap(el("label", { for: id, class: "label" }, label, field.type === "money" ? ` (${t("form.kr")})` : ""),
              help, box_, control);
}

function read(field) {
  if (field.type === "boolean" || field.type === "choice") {
    const checked = document.querySelector(`input[name="${field.id}"]:checked`);
    return checked ? JSON.parse(checked.value) : null;
  }
  const raw = document.getElementById("f-" + field.id).value.trim();
  if (raw === "") return null;
  if (field.type === "integer" || field.type === "money") {
    const plain = raw.replace(/[ .]/g, "").replace(/(kr\.?|dkk)$/i, "").trim();
    return /^-?\d+$/.test(plain) ? parseInt(plain, 10) : raw; // the guidance says what is wrong
  }
  return raw;
}

function update(view, step) {
  const found = findings();
  const attempted = view.attempted.includes(view.step);
  for (const field of step.fields) {
    const wrap = document.getElementById("wrap-" + field.id);
    wrap.hidden = !visible(def(), field, work.answers, provided(), today());
    const mine = found.filter((f) => f.field === field.id && (attempted || f.code !== "application.field_required"));
    document.getElementById(`f-${field.id}-msg`).replaceChildren(...mine.map(message));
    wrap.classList.toggle("field-error", mine.some((f) => f.severity === "error"));
  }
  const status = document.getElementById("save-status");
  if (status) status.textContent = t("form.saved", { time: clock(work.saved_at) });
  return found;
}

function stepView(view) {
  const step = steps()[view.step - 1];
  const form = el("form", { novalidate: true, id: "step-form" }, step.fields.map((f) => input(f, work.answers[f.id] ?? null)));
  const summary = el("div", { id: "error-summary", class: "panel panel-error", tabindex: "-1", hidden: true });
  const changed = async (event) => {
    const field = step.fields.find((f) => f.id === event.target.name);
    if (!field) return;
    work.answers[field.id] = read(field);
    await keep();
    update(view, step);
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  const next = el("button", { type: "submit", class: "button-big", id: "next", form: "step-form" }, t("form.next"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!view.attempted.includes(view.step)) view.attempted.push(view.step);
    const found = update(view, step);
    const shown = step.fields.filter((f) => visible(def(), f, work.answers, provided(), today())).map((f) => f.id);
    const errors = found.filter((f) => f.severity === "error" && shown.includes(f.field));
    if (errors.length) {
      summary.replaceChildren(el("h2", null, t("form.fix")), el("ul", null, errors.map((f) => el("li", null, pick(f.message)))));
      summary.hidden = false;
      summary.focus();
      return;
    }
    ui.go({ ...view, step: view.step + 1 });
  });
  const parts = [...header(view, pick(step.title)), view.step === 1 ? el("p", { class: "lead" }, t("form.intro")) : null,
    summary, form, el("p", { class: "small", id: "save-status", role: "status" }), nav(view, next)];
  setTimeout(() => update(view, step), 0);
  return parts;
}

function sizeText(bytes) {
  return bytes > 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`;
}

const rules = () => def().attachment_rules;

async function addFile(attachment, file, messages) {
  const type = file.type || "";
  const mb = Math.round(rules().max_bytes / 1024 / 1024);
  const refuse = (key) => messages.replaceChildren(
    message({ severity: "error", message: { da: t(key, { mb }), en: t(key, { mb }) } }));
  if (!rules().content_types.includes(type)) return refuse("att.type");
  if (file.size > rules().max_bytes) return refuse("att.size");
  const id = newKey();
  await vault.put("file:" + id, await file.arrayBuffer());
  work.files.push({ file_id: id, requirement: attachment.id, title: pick(attachment.title), name: file.name || `foto.${ENDINGS[type] || "bin"}`,
                    type, size: file.size, sent: false });
  await keep();
  ui.render();
}

function attachmentsView(view) {
  const attempted = view.attempted.includes(view.step);
  const found = findings();
  const cards = (def().attachments || []).map((attachment) => {
    const required = attachmentRequired(def(), attachment, work.answers, provided(), today());
    const id = "att-" + attachment.id;
    const messages = el("div", { class: "messages", id: id + "-msg", "aria-live": "polite" });
    const missing = attempted && found.find((f) => f.field === "attachments." + attachment.id);
    if (missing) messages.append(message(missing));
    const picker = (capture) => {
      const chooser = el("input", { type: "file", id: id + (capture ? "-camera" : "-file"), class: "file-input",
                                    accept: capture ? "image/*" : rules().content_types.join(","), capture: capture ? "environment" : null });
      chooser.addEventListener("change", () => chooser.files[0] && addFile(attachment, chooser.files[0], messages));
      return [chooser, el("label", { for: chooser.id, class: "button button-secondary file-label" },
        t(capture ? "att.camera" : "att.file"))];
    };
    const mine = work.files.filter((f) => f.requirement === attachment.id);
    return el("section", { class: "card", id: "wrap-" + id, "data-attachment": attachment.id },
      el("h2", null, pick(attachment.title), " ", el("span", { class: "tag" }, t(required ? "att.required" : "att.optional"))),
      attachment.help ? el("p", { class: "small" }, pick(attachment.help)) : null,
      work.provided.includes(attachment.id) ? el("p", null, t("att.server", { name: pick(attachment.title) })) : null,
      mine.length ? el("ul", { class: "files" }, mine.map((f) => el("li", null, t("att.kept", { name: f.name, size: sizeText(f.size) }), " ",
        el("button", { type: "button", class: "button-quiet", onclick: async () => {
          work.files = work.files.filter((x) => x !== f);
          await vault.remove("file:" + f.file_id);
          await keep();
          ui.render();
        } }, t("att.remove"))))) : null,
      messages, el("div", { class: "actions" }, picker(true), picker(false)));
  });
  const next = el("button", { type: "button", class: "button-big", id: "next", onclick: () => {
    if (!view.attempted.includes(view.step)) view.attempted.push(view.step);
    const missing = findings().filter((f) => (f.field || "").startsWith("attachments."));
    if (missing.length) return ui.render();
    ui.go({ ...view, step: view.step + 1 });
  } }, t("form.next"));
  return [...header(view, t("att.h1")), el("p", { class: "lead" }, t("att.lead")), ...cards, nav(view, next)];
}

function answerText(field, value) {
  if (value === null || value === undefined || value === "") return null;
  if (field.type === "boolean") return value === true ? t("form.yes") : value === false ? t("form.no") : String(value);
  if (field.type === "choice") {
    const choice = field.choices.find((c) => c.value === value);
    return choice ? pick(choice.label) : String(value);
  }
  if (field.type === "money" && typeof value === "number") return `${number(value)} ${t("form.kr")}`;
  return String(value);
}

/** Into the outbox: "submit" (confirmed by the citizen) or "draft" for the citizen to finish. */
async function queue(mode, button) {
  button.disabled = true;
  const visit = visitById(work.appointment_id);
  const changed = work.app_id
    ? Object.fromEntries(Object.entries(work.answers).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(work.base[k] ?? null)))
    : work.answers;
  await enqueue({ kind: "application", mode, type: work.type, title: work.title, citizen_id: work.citizen_id,
                  appointment_id: work.appointment_id, app_id: work.app_id, version: work.version,
                  answers: changed, answers_saved: Boolean(work.app_id) && !Object.keys(changed).length,
                  files: work.files, create_key: newKey(), submit_key: newKey(),
                  citizen_confirmed_at: mode === "submit" ? new Date(now()).toISOString() : null });
  await vault.remove("work:" + work.id);
  ui.notice = { kind: "ok", text: t(mode === "submit" ? "review.queued" : "review.draft.queued"),
                item: box.items[box.items.length - 1].id };
  work = null;
  ui.go(visit ? { name: "visit", visit: visit.appointment_id } : { name: "route" });
}

function reviewView(view) {
  const found = findings();
  const list = (severity, kind, title) => {
    const items = found.filter((f) => f.severity === severity);
    return items.length ? el("div", { class: "panel panel-" + kind, id: "review-" + severity },
      el("h2", null, title), el("ul", null, items.map((f) => el("li", { "data-code": f.code }, pick(f.message))))) : null;
  };
  const sections = steps().map((step, index) => el("section", { class: "card review" },
    el("h2", null, pick(step.title)),
    el("dl", { class: "answers" }, step.fields.filter((f) => visible(def(), f, work.answers, provided(), today())).map((field) => {
      const shown = answerText(field, work.answers[field.id]);
      return [el("dt", null, pick(field.label)), el("dd", { class: shown ? null : "unanswered" }, shown || t("review.none"))];
    })),
    el("button", { type: "button", class: "button-quiet", onclick: () => ui.go({ ...view, step: index + 1 }) }, t("review.change"))));
  sections.push(el("section", { class: "card review" }, el("h2", null, t("review.att")),
    work.files.length ? el("ul", { id: "review-files" }, work.files.map((f) => el("li", null, `${f.title}: ${f.name}`)))
      : el("p", null, t("review.noatt"))));
  const errors = found.filter((f) => f.severity === "error");
  const confirm = el("input", { type: "checkbox", id: "citizen-confirms" });
  const attest = el("input", { type: "checkbox", id: "staff-attests" });
  const missing = el("p", { class: "small", id: "confirm-msg", hidden: true }, t("review.confirm.missing"));
  return [...header(view, t("review.h1")),
    list("error", "error", t("review.errors")), list("warning", "warning", t("review.warnings")),
    list("hint", "info", t("review.hints")), ...sections,
    errors.length ? null : [
      el("label", { class: "choice", for: "citizen-confirms" }, confirm, t("review.confirm")),
      el("label", { class: "choice", for: "staff-attests" }, attest, t("review.attest")), missing],
    el("div", { class: "actions" },
      view.step > 1 ? el("button", { type: "button", class: "button-quiet", onclick: () => ui.go({ ...view, step: view.step - 1 }) },
        t("form.back")) : null,
      errors.length ? null : el("button", { type: "button", class: "button-big", id: "send", onclick: (event) => {
        if (!confirm.checked || !attest.checked) { missing.hidden = false; return; }
        queue("submit", event.currentTarget);
      } }, t("review.send")),
      el("button", { type: "button", class: "button-big button-secondary", id: "keep-draft",
                     onclick: (event) => queue("draft", event.currentTarget) }, t("review.draft"))),
    el("p", { class: "small" }, t("review.draft.lead"))];
}

export async function formView(view) {
  if (!work || work.id !== view.work) work = await vault.get("work:" + view.work);
  if (!work || !def()) return routeView();
  work.step = view.step;
  const back = el("p", null, el("button", { type: "button", class: "button-quiet back",
    onclick: () => ui.go({ name: "visit", visit: work.appointment_id }) }, "← ", t("back")));
  if (view.step <= steps().length) return [back, ...stepView(view)];
  if (view.step === steps().length + 1) return [back, ...attachmentsView(view)];
  return [back, ...reviewView(view)];
}
