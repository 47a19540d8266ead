// /hvem-har-set-mine-data/: the citizen's own audit trail from the gateway
// (GET /api/me/access-log): who, in which role, when, what, and the reason a member of staff
// gave for emergency access ("break-glass").
import {
  actingFor, alertBox, api, el, formatDateTime, initLanguage, mount, requireSession, scoped, showFatal, t,
} from "/static/ui/ui.js";

const tr = scoped("access.");
const root = document.getElementById("app");
let entries = null;

function what(entry) {
  const service = (entry.resource || "").split("/")[2] || "";
  const known = ["applications", "consents", "appointments", "notifications"];
  return tr("action." + entry.action) + " " + tr("res." + (known.includes(service) ? service : "other"));
}

function who(entry) {
  return entry.actor_name || entry.actor_id;
}

function role(entry) {
  const kind = tr("role." + entry.actor_type);
  return entry.actor_role ? `${kind} (${entry.actor_role})` : kind;
}

function reason(entry) {
  return entry.reason || entry.break_glass_reason || null;
}

function entryCard(entry) {
  const why = reason(entry);
  const facts = [
    [tr("who"), who(entry)],
    [tr("role"), role(entry)],
    [tr("when"), formatDateTime(entry.at)],
    [tr("what"), what(entry)],
  ];
  if (why) facts.push([tr("why"), why]);
  return el("li", { class: "card access" + (why ? " access-breakglass" : "") },
    why ? el("p", {}, el("span", { class: "tag tag-breakglass", text: tr("breakglass") })) : null,
    el("dl", { class: "facts" }, facts.map(([name, value]) => [
      el("dt", { text: name }), el("dd", { text: value })])));
}

function render() {
  document.title = tr("h1") + " – Selvbetjening";
  mount(root,
    el("h1", { text: tr("h1") }),
    el("p", { class: "lead", text: tr("lead") }),
    actingFor() ? alertBox("info", {}, [t("acting.own")]) : null,
    entries.length
      ? [el("p", { class: "small", text: tr("count", { n: entries.length }) }),
         el("ul", { class: "cards", id: "access-log" }, entries.map(entryCard))]
      : el("p", { id: "access-empty", text: tr("empty") }));
}

async function load() {
  try {
    await requireSession();
    entries = (await api("GET", "/api/me/access-log")).data;
    render();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => entries && render());
load();
