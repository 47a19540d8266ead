// /fuldmagter/: powers of attorney I have given (revoke after a confirmation) and hold from
// others, and giving one to a named person: who, what they may do, until when
// (GET/POST /api/consents/proxies, POST .../<id>/revocation).
import {
  ApiError, alertBox, api, el, formatDate, initLanguage, mount, problemAlert, requireSession,
  scoped, showFatal,
} from "/static/ui/ui.js";

const tr = scoped("proxies.");
const root = document.getElementById("app");
// What a person may be allowed, in the words of the page, and the scopes each one grants.
const GROUPS = {
  applications: ["applications.read", "applications.write"],
  consents: ["consents.read", "consents.give"],
  appointments: ["appointments.read", "appointments.book"],
  messages: ["messages.read"],
};
let me = null;
let given = null;
let held = null;
let confirming = null; // the proxy id whose revocation is being confirmed
let notice = null;
let errors = {}; // field -> message of the grant form
let draft = { name: "", agent: "", groups: ["applications"], until: "" };

function agentName(proxy) {
  return proxy.agent_name || proxy.agent_id;
}

function principalName(proxy) {
  return proxy.citizen_name || proxy.citizen_id;
}

function may(proxy) {
  return Object.entries(GROUPS)
    .filter(([, scopes]) => scopes.some((scope) => proxy.scopes.includes(scope)))
    .map(([group]) => tr("scope." + group)).join(", ");
}

function status(proxy) {
  if (proxy.status === "pending") return tr("status.pending", { date: formatDate(proxy.valid_from) });
  return tr("status." + proxy.status);
}

function proxyCard(proxy, mine) {
  const name = mine ? agentName(proxy) : principalName(proxy);
  const headingId = "p-" + proxy.id;
  const facts = [
    [mine ? tr("agent") : tr("from"), name],
    [tr("what"), may(proxy)],
    [tr("until"), proxy.valid_until ? formatDate(proxy.valid_until) : "–"],
    [tr("status"), status(proxy)],
  ];
  let actions = null;
  if (mine && (proxy.status === "active" || proxy.status === "pending")) {
    actions = confirming === proxy.id
      ? el("div", { class: "alert alert-warning confirm", role: "group",
                    "aria-labelledby": "revoke-h" },
          el("div", { class: "alert-body" },
            el("h3", { id: "revoke-h", class: "alert-heading", tabindex: "-1", text: tr("revoke.h") }),
            el("p", { class: "alert-text", text: tr("revoke.text", { name }) }),
            el("div", { class: "button-row" },
              el("button", { type: "button", class: "button button-primary button-danger",
                             id: "confirm-revoke", onclick: () => revoke(proxy) }, tr("revoke.yes")),
              el("button", { type: "button", class: "button button-secondary", id: "keep-proxy",
                             onclick: () => { confirming = null; render(); } }, tr("revoke.no")))))
      : el("p", { class: "card-actions" },
          el("button", { type: "button", class: "button button-secondary revoke", "data-id": proxy.id,
                         onclick: () => openConfirm(proxy.id) },
             tr("revoke"), el("span", { class: "sr-only", text: " – " + name })));
  }
  return el("li", { class: "card proxy proxy-" + proxy.status, "data-id": proxy.id,
                    "aria-labelledby": headingId },
    el("h3", { id: headingId, text: name }),
    el("dl", { class: "facts" }, facts.map(([label, value]) => [
      el("dt", { text: label }), el("dd", { text: value })])),
    actions);
}

function errorText(field) {
  return errors[field] ? el("p", { class: "form-error-message", id: field + "-error",
                                   text: errors[field] }) : null;
}

function group(field, label, help, control) {
  return el("div", { class: "form-group" + (errors[field] ? " form-error" : "") },
    el("label", { class: "form-label", for: field, text: label }),
    help ? el("p", { class: "form-hint", id: field + "-help", text: help }) : null,
    errorText(field), control);
}

function described(field, help) {
  return [help ? field + "-help" : null, errors[field] ? field + "-error" : null]
    .filter(Boolean).join(" ") || null;
}

function grantForm() {
  const input = (id, key, attrs = {}) => el("input", {
    id, class: "form-input", value: draft[key], "aria-invalid": errors[id] ? "true" : null,
    oninput: (event) => { draft[key] = event.target.value; }, ...attrs });
  return el("form", { id: "grant-form", novalidate: true, onsubmit: grant },
    el("h2", { text: tr("grant.h") }),
    group("agent_name", tr("grant.name"), null,
      input("agent_name", "name", { type: "text", autocomplete: "off",
                                     "aria-describedby": described("agent_name") })),
    group("agent_id", tr("grant.id"), tr("grant.id.help"),
      input("agent_id", "agent", { type: "text", autocomplete: "off", spellcheck: "false",
                                    "aria-describedby": described("agent_id", true) })),
    el("fieldset", { class: "form-group" + (errors.scopes ? " form-error" : ""),
                     "aria-describedby": errors.scopes ? "scopes-error" : null },
      el("legend", { class: "form-label", text: tr("grant.what") }),
      errorText("scopes"),
      Object.keys(GROUPS).map((name) => el("div", { class: "form-group-checkbox" },
        el("input", { type: "checkbox", class: "form-checkbox", id: "scope-" + name, value: name,
                      checked: draft.groups.includes(name), onchange: (event) => {
                        draft.groups = event.target.checked
                          ? [...draft.groups, name] : draft.groups.filter((g) => g !== name);
                      } }),
        el("label", { for: "scope-" + name, text: tr("scope." + name) })))),
    group("valid_until", tr("grant.until"), null,
      input("valid_until", "until", { type: "date", "aria-describedby": described("valid_until") })),
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "button button-primary", id: "grant",
                     text: tr("grant.send") })));
}

function render() {
  document.title = tr("h1") + " – Selvbetjening";
  mount(root,
    el("h1", { text: tr("h1"), tabindex: "-1" }),
    el("p", { class: "lead", text: tr("lead") }),
    notice,
    el("h2", { text: tr("given.h") }),
    given.length ? el("ul", { class: "cards", id: "given" }, given.map((p) => proxyCard(p, true)))
                 : el("p", { id: "given-none", text: tr("given.none") }),
    el("h2", { text: tr("held.h") }),
    held.length ? el("ul", { class: "cards", id: "held" }, held.map((p) => proxyCard(p, false)))
                : el("p", { id: "held-none", text: tr("held.none") }),
    el("p", { class: "small", id: "my-id", text: tr("myid", { id: me.subject }) }),
    grantForm());
}

function openConfirm(id) {
  confirming = id;
  notice = null;
  render();
  document.getElementById("revoke-h").focus();
}

async function reload() {
  const { data } = await api("GET", "/api/consents/proxies");
  given = data.granted;
  held = data.held;
}

async function revoke(proxy) {
  try {
    await api("POST", `/api/consents/proxies/${encodeURIComponent(proxy.id)}/revocation`);
    notice = alertBox("success", { id: "notice", focus: true },
                      [tr("revoked", { name: agentName(proxy) })]);
    confirming = null;
    await reload();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
    notice = problemAlert(error, { id: "notice" });
  }
  render();
  document.getElementById("notice").focus();
}

function validate() {
  errors = {};
  if (!draft.name.trim()) errors.agent_name = tr("missing.name");
  if (!draft.agent.trim()) errors.agent_id = tr("missing.id");
  if (!draft.groups.length) errors.scopes = tr("missing.what");
  if (!draft.until) errors.valid_until = tr("missing.until");
  return !Object.keys(errors).length;
}

async function grant(event) {
  event.preventDefault();
  notice = null;
  if (!validate()) {
    render();
    const first = Object.keys(errors)[0];
    document.getElementById(first === "scopes" ? "scope-applications" : first).focus();
    return;
  }
  const body = {
    agent_id: draft.agent.trim(),
    agent_name: draft.name.trim(),
    scopes: draft.groups.flatMap((name) => GROUPS[name]),
    // The last day counts in full: until the end of it in Copenhagen (23:59:59 local time).
    valid_until: new Date(draft.until + "T23:59:59").toISOString(),
  };
  try {
    await api("POST", "/api/consents/proxies", { json: body });
    notice = alertBox("success", { id: "notice", focus: true },
                      [tr("granted", { name: body.agent_name })]);
    draft = { name: "", agent: "", groups: ["applications"], until: "" };
    await reload();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
    const field = error instanceof ApiError && error.problem.field;
    if (field && ["agent_id", "agent_name", "valid_until"].includes(field)) {
      errors = { [field]: error.message };
    } else if (field === "scopes") {
      errors = { scopes: error.message };
    }
    notice = problemAlert(error, { id: "notice" });
  }
  render();
  document.getElementById("notice").focus();
}

async function load() {
  try {
    me = await requireSession();
    await reload();
    render();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => given && render());
load();
