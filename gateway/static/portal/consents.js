// /samtykker/: my consents (what, from whom, for which case, given when, by whom and how,
// expires when, status), withdrawing one after a confirmation, and the export of everything.
import {
  ApiError, api, el, formatDateTime, initLanguage, lang, mount, requireSession, showFatal,
} from "./common.js";

const TEXTS = {
  da: {
    "h1": "Mine samtykker",
    "lead": "Her ser du, hvad du har givet kommunen lov til at hente eller give videre om dig. Du kan altid trække et samtykke tilbage.",
    "empty": "Du har ikke givet kommunen nogen samtykker.",
    "export": "Hent alt om mine samtykker",
    "export.help": "En fil med alle dine samtykker, tilbagetrækninger, fuldmagter, og hvem der har spurgt, om de måtte bruge dine oplysninger.",
    "status.active": "Gælder",
    "status.withdrawn": "Trukket tilbage",
    "status.superseded": "Erstattet af et nyere samtykke",
    "status.expired": "Udløbet",
    "f.data": "Hvilke oplysninger",
    "f.sources": "Hentes fra",
    "f.recipients": "Gives til",
    "f.case": "Til sagen",
    "f.case.all": "Alle dine sager om {purpose}",
    "f.given": "Givet",
    "f.given_by": "Givet af",
    "f.how": "Hvordan",
    "f.attested": "Medarbejder",
    "f.expires": "Udløber",
    "f.expired": "Udløb",
    "f.withdrawn": "Trukket tilbage",
    "f.status": "Status",
    "by.you": "Dig selv",
    "by.other": "En anden på dine vegne",
    "channel.portal": "Her på selvbetjeningen",
    "channel.tablet": "På en medarbejders tablet",
    "channel.paper": "På papir",
    "channel.oral": "Mundtligt til en medarbejder",
    "text.show": "Læs teksten, du sagde ja til",
    "text.version": "Version {version}",
    "withdraw": "Træk samtykke tilbage",
    "confirm.h": "Vil du trække samtykket tilbage?",
    "confirm.now": "Samtykket holder op med at gælde med det samme, når du trykker på knappen.",
    "confirm.after": "Kommunen henter eller giver ikke flere oplysninger videre med dette samtykke. Oplysninger, vi allerede har fået, bliver i din sag.",
    "confirm.yes": "Ja, træk samtykket tilbage",
    "confirm.no": "Nej, behold samtykket",
    "withdrawing": "Trækker samtykket tilbage …",
    "withdrawn.msg": "Samtykket til {purpose} er trukket tilbage {time}. Det gælder ikke længere.",
  },
  en: {
    "h1": "My consents",
    "lead": "Here you see what you have allowed the municipality to get or pass on about you. You can always withdraw a consent.",
    "empty": "You have not given the municipality any consents.",
    "export": "Download everything about my consents",
    "export.help": "A file with all your consents, withdrawals, powers of attorney, and who asked whether they could use your information.",
    "status.active": "In force",
    "status.withdrawn": "Withdrawn",
    "status.superseded": "Replaced by a newer consent",
    "status.expired": "Expired",
    "f.data": "Which information",
    "f.sources": "Obtained from",
    "f.recipients": "Given to",
    "f.case": "For the case",
    "f.case.all": "All your cases about {purpose}",
    "f.given": "Given",
    "f.given_by": "Given by",
    "f.how": "How",
    "f.attested": "Staff member",
    "f.expires": "Expires",
    "f.expired": "Expired",
    "f.withdrawn": "Withdrawn",
    "f.status": "Status",
    "by.you": "You",
    "by.other": "Someone on your behalf",
    "channel.portal": "Here on the self-service site",
    "channel.tablet": "On a staff member's tablet",
    "channel.paper": "On paper",
    "channel.oral": "Orally to a staff member",
    "text.show": "Read the text you agreed to",
    "text.version": "Version {version}",
    "withdraw": "Withdraw consent",
    "confirm.h": "Do you want to withdraw the consent?",
    "confirm.now": "The consent stops applying at once when you press the button.",
    "confirm.after": "The municipality will not get or pass on any more information with this consent. Information we already have stays in your case.",
    "confirm.yes": "Yes, withdraw the consent",
    "confirm.no": "No, keep the consent",
    "withdrawing": "Withdrawing the consent …",
    "withdrawn.msg": "The consent for {purpose} was withdrawn {time}. It no longer applies.",
  },
};

// The names the consent texts use for kinds of information, sources and recipients.
const NAMES = {
  da: {
    health: "dit helbred", medication: "din medicin", functional_ability: "hvad du kan klare selv",
    housing: "din bolig", general_practitioner: "din egen læge", hospital: "hospitalet",
    home_care_provider: "din hjemmepleje", occupational_therapist: "din ergoterapeut",
    assistive_devices_supplier: "leverandøren af hjælpemidlet",
  },
  en: {
    health: "your health", medication: "your medicine", functional_ability: "what you can manage on your own",
    housing: "your home", general_practitioner: "your own doctor", hospital: "the hospital",
    home_care_provider: "your home care provider", occupational_therapist: "your occupational therapist",
    assistive_devices_supplier: "the supplier of the device",
  },
};

const root = document.getElementById("app");
let session = null;
let consents = null;
let purposes = {};
let confirming = null; // the consent id whose confirmation is open
let notice = null; // {kind, text} shown above the list
let busy = false;

function tr(key, vars = {}) {
  const text = TEXTS[lang()][key] ?? TEXTS.da[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_m, name) => (name in vars ? String(vars[name]) : ""));
}

function names(codes) {
  const table = NAMES[lang()];
  const words = (codes || []).map((code) => table[code] || code.replace(/_/g, " "));
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
      el("button", { type: "button", class: "button warning withdraw", "data-id": consent.id,
                     onclick: () => openConfirm(consent.id) },
         tr("withdraw"), el("span", { class: "visually-hidden", text: " – " + title })));
  }
  const headingId = "confirm-" + consent.id;
  return el("div", { class: "panel panel-warning confirm", role: "group",
                     "aria-labelledby": headingId },
    el("h3", { id: headingId, tabindex: "-1", text: tr("confirm.h") }),
    el("p", {}, el("strong", { text: tr("confirm.now") })),
    el("p", { text: tr("confirm.after") }),
    el("div", { class: "button-row" },
      el("button", { type: "button", class: "button danger", id: "confirm-withdraw",
                     disabled: busy, onclick: () => withdraw(consent) },
         busy ? tr("withdrawing") : tr("confirm.yes")),
      el("button", { type: "button", class: "button secondary", id: "cancel-withdraw",
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
    consents = (await api("GET", "/api/consents/consents")).data.consents;
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
  for (const link of document.querySelectorAll("a[data-en]")) {
    if (!link.dataset.da) link.dataset.da = link.textContent;
    link.textContent = lang() === "en" ? link.dataset.en : link.dataset.da;
  }
  const order = { active: 0, expired: 1, withdrawn: 1, superseded: 2 };
  const sorted = [...consents].sort((a, b) => (order[a.status] - order[b.status])
                                              || String(b.given_at).localeCompare(a.given_at));
  mount(root,
    el("h1", { text: tr("h1"), tabindex: "-1" }),
    el("p", { class: "lead", text: tr("lead") }),
    notice ? el("div", { id: "notice", tabindex: "-1", role: notice.kind === "error" ? "alert" : "status",
                         class: "panel " + (notice.kind === "error" ? "panel-error" : "panel-info") },
                el("p", { text: notice.text })) : null,
    sorted.length ? el("ul", { class: "cards", id: "consents" }, sorted.map(consentCard))
                  : el("p", { id: "consents-empty", text: tr("empty") }),
    el("div", { class: "panel export" },
      el("p", {}, el("a", { class: "button secondary", id: "export", href: "/api/consents/export",
                            download: "samtykker.json", text: tr("export") })),
      el("p", { class: "small", text: tr("export.help") })));
}

async function load() {
  try {
    session = await requireSession();
    const [list, catalogue] = await Promise.all([api("GET", "/api/consents/consents"),
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
