// /samtykker/: my consents (what, from whom, for which case, given when, by whom and how,
// expires when, status), withdrawing one after a confirmation, and the export of everything.
import {
  ApiError, api, el, forCitizen, formatDateTime, initLanguage, lang, mount, requireSession, scoped, showFatal,
} from "/static/ui/ui.js";

const tr = scoped("consents.");

const root = document.getElementById("app");
let session = null;
let consents = null;
let purposes = {};
let confirming = null; // the consent id whose confirmation is open
let notice = null; // {kind, text} shown above the list
let busy = false;

function names(codes) {
  const words = (codes || []).map((code) => {
    const name = tr("name." + code);
    return name === "name." + code ? code.replace(/_/g, " ") : name;
  });
  if (words.length < 2) return words.join("");
  const and = lang() === "en" ? " and " : " og ";
  return words.slice(0, -1).join(", ") + and + words[words.length - 1];
}

function purposeTitle(code) {
  const purpose = purposes[code];
  if (!purpose) return code;
  return lang() === "en" ? purpose.title_en : purpose.title_da;
}

function givenBy(consent) {
  if (consent.given_by === session.subject) return tr("by.you");
  return tr("by.other");
}

function consentCard(consent) {
  const title = purposeTitle(consent.purpose);
  const facts = [
    [tr("f.status"), el("span", { class: "tag status-" + consent.status,
                                 text: tr("status." + consent.status) })],
    [tr("f.data"), names(consent.data_categories)],
  ];
  if (consent.sources.length) facts.push([tr("f.sources"), names(consent.sources)]);
  if (consent.recipients.length) facts.push([tr("f.recipients"), names(consent.recipients)]);
  facts.push([tr("f.case"), consent.case_ref
    ? el("span", { class: "nowrap", text: consent.case_ref })
    : tr("f.case.all", { purpose: title.toLowerCase() })]);
  facts.push([tr("f.given"), formatDateTime(consent.given_at)]);
  facts.push([tr("f.given_by"), givenBy(consent)]);
  facts.push([tr("f.how"), tr("channel." + consent.channel)]);
  if (consent.attested_by) facts.push([tr("f.attested"), consent.attested_by]);
  if (consent.status === "withdrawn") {
    facts.push([tr("f.withdrawn"), formatDateTime(consent.withdrawn_at)]);
  } else if (consent.status === "expired") {
    facts.push([tr("f.expired"), formatDateTime(consent.expired_at || consent.expires_at)]);
  } else if (consent.status === "active") {
    facts.push([tr("f.expires"), formatDateTime(consent.expires_at)]);
  }
  const text = consent.text || {};
  const wording = lang() === "en" && text.en ? text.en : text.da;
  const ifNo = lang() === "en" && text.if_no_en ? text.if_no_en : text.if_no_da;
  const headingId = "c-" + consent.id + "-h";
  return el("li", { class: "card consent consent-" + consent.status, "data-id": consent.id,
                    "aria-labelledby": headingId },
    el("h2", { id: headingId, text: title }),
    el("dl", { class: "facts" }, facts.map(([name, value]) => [
      el("dt", { text: name }), el("dd", {}, value)])),
    wording ? el("details", { class: "consent-text" },
      el("summary", { text: tr("text.show") }),
      el("blockquote", { text: wording }),
      ifNo ? el("p", { text: ifNo }) : null,
      el("p", { class: "small", text: tr("text.version", { version: text.version }) })) : null,
    consent.status === "active" ? withdrawControls(consent, title) : null);
}

function withdrawControls(consent, title) {
  if (confirming !== consent.id) {
    return el("p", { class: "card-actions" },
      el("button", { type: "button", class: "button button-secondary withdraw", "data-id": consent.id,
                     onclick: () => openConfirm(consent.id) },
         tr("withdraw"), el("span", { class: "sr-only", text: " – " + title })));
  }
  const headingId = "confirm-" + consent.id;
  return el("div", { class: "alert alert-warning confirm", role: "group",
                     "aria-labelledby": headingId },
    el("h3", { id: headingId, tabindex: "-1", text: tr("confirm.h") }),
    el("p", {}, el("strong", { text: tr("confirm.now") })),
    el("p", { text: tr("confirm.after") }),
    el("div", { class: "button-row" },
      el("button", { type: "button", class: "button button-primary button-danger", id: "confirm-withdraw",
                     disabled: busy, onclick: () => withdraw(consent) },
         busy ? tr("withdrawing") : tr("confirm.yes")),
      el("button", { type: "button", class: "button button-secondary", id: "cancel-withdraw",
                     disabled: busy, onclick: closeConfirm }, tr("confirm.no"))));
}

function openConfirm(id) {
  confirming = id;
  notice = null;
  render();
  document.getElementById("confirm-" + id).focus();
}

function closeConfirm() {
  const id = confirming;
  confirming = null;
  render();
  const button = root.querySelector(`button.withdraw[data-id="${id}"]`);
  if (button) button.focus();
}

async function withdraw(consent) {
  if (busy) return;
  busy = true;
  render();
  try {
    const { data } = await api("POST", `/api/consents/consents/${encodeURIComponent(consent.id)}/withdrawal`,
                               { json: {} });
    confirming = null;
    notice = { kind: "success", text: tr("withdrawn.msg", {
      purpose: purposeTitle(consent.purpose).toLowerCase(),
      time: formatDateTime((data && data.withdrawn_at) || new Date().toISOString()) }) };
    consents = (await api("GET", forCitizen("/api/consents/consents"))).data.consents;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
    notice = { kind: "error", text: error.message };
  } finally {
    busy = false;
  }
  render();
  const message = document.getElementById("notice");
  if (message) message.focus();
}

function render() {
  document.title = tr("h1") + " – Selvbetjening";
    const order = { active: 0, expired: 1, withdrawn: 1, superseded: 2 };
  const sorted = [...consents].sort((a, b) => (order[a.status] - order[b.status])
                                              || String(b.given_at).localeCompare(a.given_at));
  mount(root,
    el("h1", { text: tr("h1"), tabindex: "-1" }),
    el("p", { class: "lead", text: tr("lead") }),
    notice ? el("div", { id: "notice", tabindex: "-1", role: notice.kind === "error" ? "alert" : "status",
                         class: "alert " + (notice.kind === "error" ? "alert-error" : "alert-info") },
                el("p", { text: notice.text })) : null,
    sorted.length ? el("ul", { class: "cards", id: "consents" }, sorted.map(consentCard))
                  : el("p", { id: "consents-empty", text: tr("empty") }),
    el("div", { class: "panel export" },
      el("p", {}, el("a", { class: "button button-secondary", id: "export", href: "/api/consents/export",
                            download: "samtykker.json", text: tr("export") })),
      el("p", { class: "small", text: tr("export.help") })));
}

async function load() {
  try {
    session = await requireSession();
    const [list, catalogue] = await Promise.all([api("GET", forCitizen("/api/consents/consents")),
                                                 api("GET", "/api/consents/purposes")]);
    consents = list.data.consents;
    purposes = Object.fromEntries(catalogue.data.purposes.map((p) => [p.code, p]));
    render();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => consents && render());
load();
