// /mine-sager/: my applications, their status, and "Fortsæt" for drafts.
import {
  api, el, forCitizen, mount, formatDate, formatDateTime, initLanguage, requireSession, showFatal, t, txt,
} from "/static/ui/ui.js";

const root = document.getElementById("app");
let cases = null;

function caseCard(app) {
  const draft = app.state === "draft";
  const href = draft ? `/ansoeg/${encodeURIComponent(app.type)}/?id=${encodeURIComponent(app.id)}`
                     : `/mine-sager/${encodeURIComponent(app.id)}/`;
  const facts = [];
  if (app.case_number) facts.push([t("cases.number"), app.case_number]);
  facts.push([t("cases.status"), draft ? t("cases.draft") : txt(app.status_text)]);
  const helper = app.created_by && app.created_by.type === "staff" && app.created_by.name;
  facts.push(app.submitted_at ? [t("cases.sent"), formatDateTime(app.submitted_at)]
    : helper ? [t("cases.started"), t("cases.started.with", { name: helper,
                                                              date: formatDate(app.created_at) })]
      : [t("cases.started"), formatDate(app.created_at)]);
  let action = null;
  const hidden = el("span", { class: "sr-only", text: " – " + app.title });
  if (draft) {
    action = el("a", { class: "button button-primary", href }, t("cases.continue"), hidden);
  } else if (app.state === "awaiting_citizen") {
    action = el("a", { class: "button button-primary", href }, t("cases.answer"), hidden);
  } else {
    action = el("a", { href }, t("cases.open"), hidden);
  }
  return el("li", { class: "card case" + (draft ? " case-draft" : ""), "data-id": app.id },
    el("h2", { text: app.title }),
    el("dl", { class: "facts" }, facts.map(([name, value]) => [
      el("dt", { text: name }),
      el("dd", { class: name === t("cases.number") ? "nowrap" : null, text: value })])),
    action);
}

function render() {
  document.title = t("cases.h1") + " – Selvbetjening";
  const sorted = [...cases].sort((a, b) => String(b.updated_at).localeCompare(a.updated_at));
  mount(root,
    el("h1", { text: t("cases.h1") }),
    el("p", { class: "lead", text: t("cases.lead") }),
    sorted.length
      ? el("ul", { class: "cards", id: "cases" }, sorted.map(caseCard))
      : el("p", { text: t("cases.empty") }),
    el("p", {}, el("a", { class: "button button-secondary", href: "/ansoeg/", text: t("cases.new") })));
}

async function load() {
  try {
    await requireSession();
    cases = (await api("GET", forCitizen("/api/applications"))).data;
    render();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => cases && render());
load();
