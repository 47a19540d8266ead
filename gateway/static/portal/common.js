// Shared by the portal's application screens: language, texts, building elements, the
// session (CSRF token) and calls to the API through the gateway. No framework, no build step.

const LANG_KEY = "sb_lang";
const RETURN_KEY = "sb_return_to";

const STRINGS = {
  da: {
    "lang.switch": "English",
    "lang.switch.label": "Show the pages in English",
    "loading": "Henter …",
    "network": "Vi fik ikke forbindelse. Tjek din internetforbindelse, og prøv igen.",
    "error.title": "Der skete en fejl",
    "error.retry": "Prøv igen",
    "back": "Tilbage",
    "nav.home": "Forside",
    "nav.apply": "Søg om hjælp",
    "nav.cases": "Mine sager",
    // choose
    "choose.h1": "Hvad vil du søge om?",
    "choose.lead": "Vælg det, der passer til dig. Du kan læse mere, før du starter.",
    "choose.cta": "Læs mere og søg",
    // intro
    "intro.back": "Alle ansøgninger",
    "intro.rules": "Reglerne står i {law} {section}.",
    "intro.how": "Sådan foregår det",
    "intro.how.1": "Du svarer på spørgsmål på {n} sider.",
    "intro.how.2": "Du kan sende papirer med, fx et billede taget med telefonen.",
    "intro.how.3": "Du ser alle dine svar igen, før du sender.",
    "intro.saved": "Dine svar bliver gemt hele tiden. Du kan stoppe og fortsætte senere, også på en anden telefon eller computer. Du finder ansøgningen under Mine sager.",
    "intro.start": "Start ansøgningen",
    "intro.existing": "Du er allerede i gang med en ansøgning om {title}, som ikke er sendt endnu.",
    "intro.continue": "Fortsæt den ansøgning",
    "intro.or": "Eller start en ny:",
    "notfound": "Vi kan ikke finde den ansøgning.",
    // steps
    "progress": "Trin {n} af {total}",
    "applying.for": "Ansøgning om {title}",
    "optional": "(frivilligt)",
    "yes": "Ja",
    "no": "Nej",
    "kr": "kr.",
    "next": "Gem og fortsæt",
    "later": "Stop nu og fortsæt senere",
    "save.auto": "Dine svar gemmes automatisk.",
    "save.saving": "Gemmer …",
    "save.saved": "Gemt kl. {time}.",
    "save.retry": "Vi kunne ikke gemme lige nu. Vi prøver igen. Luk ikke siden.",
    "save.failed": "Vi kunne ikke gemme dine svar. Tjek din internetforbindelse, og tryk igen.",
    "save.conflict": "Ansøgningen kan ikke ændres mere.",
    "summary.h": "Der er noget, du skal rette",
    "msg.error": "Fejl:",
    "msg.warning": "Vær opmærksom:",
    "msg.hint": "Godt at vide:",
    // attachments
    "att.h1": "Send papirer med",
    "att.lead": "Her kan du sende papirer med din ansøgning. Du kan tage et billede med telefonen eller vælge en fil: PDF, billede (JPEG, PNG, HEIC) eller Word. Højst 10 MB pr. fil.",
    "att.required": "Skal sendes med",
    "att.optional": "Frivilligt",
    "att.choose": "Vælg fil eller tag billede",
    "att.sending": "Sender filen …",
    "att.sent": "Filen {name} er sendt.",
    "att.files": "Sendt:",
    // review
    "review.h1": "Se dine svar, og send ansøgningen",
    "review.change": "Ret svarene",
    "review.none": "Ikke besvaret",
    "review.noatt": "Ingen papirer sendt med",
    "review.att": "Papirer",
    "review.errors": "Det skal du rette, før du kan sende:",
    "review.warnings": "Vær opmærksom",
    "review.hints": "Godt at vide",
    "review.confirm": "Når du sender, bekræfter du, at dine oplysninger er rigtige, så godt du ved.",
    "review.send": "Send ansøgningen",
    "review.sending": "Sender …",
    "review.changed": "Ansøgningen er blevet ændret et andet sted. Se svarene igen, før du sender.",
    "review.retry": "Vi fik ikke svar. Tryk på knappen igen. Ansøgningen bliver ikke sendt to gange.",
    // receipt
    "receipt.h1": "Ansøgningen er sendt",
    "receipt.number": "Dit sagsnummer er",
    "receipt.keep": "Skriv sagsnummeret ned, eller tag et billede af skærmen. Du skal bruge det, hvis du kontakter kommunen.",
    "receipt.sent": "Sendt {time}.",
    "receipt.next": "Hvad sker der nu?",
    "receipt.step.more": "Mangler vi noget fra dig, skriver vi til dig i Digital Post.",
    "receipt.step.answer": "Du får svar i Digital Post.",
    "receipt.follow": "Du kan altid se, hvordan det går, under",
    "receipt.print": "Udskriv kvittering",
    // my cases
    "cases.h1": "Mine sager",
    "cases.lead": "Her ser du dine ansøgninger, og hvordan det går med dem.",
    "cases.empty": "Du har ikke søgt om noget endnu.",
    "cases.new": "Søg om noget nyt",
    "cases.number": "Sagsnummer",
    "cases.status": "Status",
    "cases.draft": "Ikke sendt endnu",
    "cases.started": "Startet",
    "cases.sent": "Sendt",
    "cases.continue": "Fortsæt",
    "cases.answer": "Send det, vi mangler",
    "cases.view": "Se kvittering",
  },
  en: {
    "lang.switch": "Dansk",
    "lang.switch.label": "Vis siderne på dansk",
    "loading": "Loading …",
    "network": "We could not connect. Check your internet connection and try again.",
    "error.title": "Something went wrong",
    "error.retry": "Try again",
    "back": "Back",
    "nav.home": "Home",
    "nav.apply": "Apply for help",
    "nav.cases": "My cases",
    "choose.h1": "What do you want to apply for?",
    "choose.lead": "Choose what fits you. You can read more before you start.",
    "choose.cta": "Read more and apply",
    "intro.back": "All applications",
    "intro.rules": "The rules are in the {law} {section}.",
    "intro.how": "How it works",
    "intro.how.1": "You answer questions on {n} pages.",
    "intro.how.2": "You can send papers along, e.g. a photo taken with your phone.",
    "intro.how.3": "You see all your answers again before you send.",
    "intro.saved": "Your answers are saved all the time. You can stop and continue later, also on another phone or computer. You find the application under My cases.",
    "intro.start": "Start the application",
    "intro.existing": "You have already started an application for {title} that has not been sent yet.",
    "intro.continue": "Continue that application",
    "intro.or": "Or start a new one:",
    "notfound": "We cannot find that application.",
    "progress": "Step {n} of {total}",
    "applying.for": "Application for {title}",
    "optional": "(optional)",
    "yes": "Yes",
    "no": "No",
    "kr": "DKK",
    "next": "Save and continue",
    "later": "Stop now and continue later",
    "save.auto": "Your answers are saved automatically.",
    "save.saving": "Saving …",
    "save.saved": "Saved at {time}.",
    "save.retry": "We could not save just now. We will try again. Do not close the page.",
    "save.failed": "We could not save your answers. Check your internet connection and press again.",
    "save.conflict": "The application can no longer be changed.",
    "summary.h": "There is something you need to correct",
    "msg.error": "Error:",
    "msg.warning": "Please note:",
    "msg.hint": "Good to know:",
    "att.h1": "Send papers along",
    "att.lead": "Here you can send papers with your application. You can take a photo with your phone or choose a file: PDF, image (JPEG, PNG, HEIC) or Word. At most 10 MB per file.",
    "att.required": "Must be sent",
    "att.optional": "Optional",
    "att.choose": "Choose a file or take a photo",
    "att.sending": "Sending the file …",
    "att.sent": "The file {name} has been sent.",
    "att.files": "Sent:",
    "review.h1": "Check your answers and send the application",
    "review.change": "Change the answers",
    "review.none": "Not answered",
    "review.noatt": "No papers sent along",
    "review.att": "Papers",
    "review.errors": "You must correct this before you can send:",
    "review.warnings": "Please note",
    "review.hints": "Good to know",
    "review.confirm": "By sending, you confirm that your information is correct to the best of your knowledge.",
    "review.send": "Send the application",
    "review.sending": "Sending …",
    "review.changed": "The application was changed somewhere else. Check the answers again before you send.",
    "review.retry": "We got no answer. Press the button again. The application will not be sent twice.",
    "receipt.h1": "The application has been sent",
    "receipt.number": "Your case number is",
    "receipt.keep": "Write the case number down or take a picture of the screen. You need it if you contact the municipality.",
    "receipt.sent": "Sent {time}.",
    "receipt.next": "What happens now?",
    "receipt.step.more": "If we need something from you, we write to you in Digital Post.",
    "receipt.step.answer": "You get the answer in Digital Post.",
    "receipt.follow": "You can always see how it is going under",
    "receipt.print": "Print receipt",
    "cases.h1": "My cases",
    "cases.lead": "Here you see your applications and how they are going.",
    "cases.empty": "You have not applied for anything yet.",
    "cases.new": "Apply for something new",
    "cases.number": "Case number",
    "cases.status": "Status",
    "cases.draft": "Not sent yet",
    "cases.started": "Started",
    "cases.sent": "Sent",
    "cases.continue": "Continue",
    "cases.answer": "Send what we need",
    "cases.view": "See receipt",
  },
};

export function lang() {
  try {
    return localStorage.getItem(LANG_KEY) === "en" ? "en" : "da";
  } catch (_e) {
    return "da";
  }
}

function applyLang() {
  document.documentElement.lang = lang();
}

/** A UI text in the current language, with {name} placeholders filled in. */
export function t(key, vars = {}) {
  const text = STRINGS[lang()][key] ?? STRINGS.da[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_m, name) => (name in vars ? String(vars[name]) : ""));
}

/** A catalogue text ({da, en}) in the current language. */
export function txt(value) {
  if (!value) return "";
  if (typeof value === "string") return value;
  return value[lang()] || value.da || value.en || "";
}

/** Build an element: el("p", {class: "x", text: "hi"}, child, ...). Never uses innerHTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Replace a container's content; null and false entries are left out. */
export function mount(container, ...nodes) {
  container.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined
                                                                  && n !== false));
}

/** The language button in the page's navigation; `rerender` draws the screen again. */
export function initLanguage(rerender) {
  applyLang();
  const button = document.getElementById("lang-switch");
  if (!button) return;
  const label = () => {
    button.textContent = t("lang.switch");
    button.lang = lang() === "da" ? "en" : "da";
    button.setAttribute("aria-label", t("lang.switch.label"));
    for (const link of document.querySelectorAll("[data-t]")) link.textContent = t(link.dataset.t);
  };
  label();
  button.hidden = false;
  button.addEventListener("click", () => {
    try {
      localStorage.setItem(LANG_KEY, lang() === "da" ? "en" : "da");
    } catch (_e) { /* private mode: the switch lasts for this page only */ }
    applyLang();
    label();
    rerender();
  });
}

// -- session and API ---------------------------------------------------------------------------

let session = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || "HTTP " + status);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Log in first, then come back here (the gateway returns to our own paths only). */
export function goLogin() {
  const here = location.pathname + location.search;
  location.assign("/auth/login?channel=portal&next=" + encodeURIComponent(here));
}

/** The path to return to after logging in, once; only our own application pages. */
export function takeReturnPath() {
  let path = null;
  try {
    path = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
  } catch (_e) {
    return null;
  }
  return path && /^\/(ansoeg|mine-sager)\/[\w\-/?=&%.]*$/.test(path) ? path : null;
}

/** Who is logged in (and the CSRF token); sends the user to log in when nobody is. */
export async function requireSession() {
  let response;
  try {
    response = await fetch("/auth/session", { credentials: "same-origin",
                                              headers: { Accept: "application/json" } });
  } catch (_e) {
    throw new ApiError(0, { title: t("network") });
  }
  if (response.status === 401) {
    goLogin();
    return new Promise(() => {}); // the page is going away
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  session = await response.json();
  return session;
}

/** Call the API. Answers {data, etag}; refusals throw ApiError with the problem details. */
export async function api(method, path, { json, form, etag, idempotencyKey } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": lang() };
  if (method !== "GET") headers["X-CSRF-Token"] = session ? session.csrf_token : "";
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  if (etag) headers["If-Match"] = etag;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, { method, headers, body, credentials: "same-origin" });
  } catch (_e) {
    throw new ApiError(0, { title: t("network") });
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, etag: response.headers.get("ETag") };
}

/** A fresh Idempotency-Key. */
export function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Show a refusal instead of the screen; a 401 sends the user to log in. */
export function showFatal(root, error, retry) {
  if (error instanceof ApiError && error.status === 401) return goLogin();
  root.replaceChildren(
    el("div", { class: "panel panel-error", role: "alert" },
       el("h1", { text: t("error.title"), tabindex: "-1" }),
       el("p", { text: error instanceof ApiError ? error.message : t("network") }),
       retry ? el("button", { type: "button", class: "button secondary", onclick: retry,
                              text: t("error.retry") }) : null));
  root.querySelector("h1").focus();
}

// -- formatting --------------------------------------------------------------------------------

const locale = () => (lang() === "en" ? "en-GB" : "da-DK");

export function formatNumber(value) {
  return new Intl.NumberFormat("da-DK").format(value);
}

export function formatDate(iso) {
  if (!iso) return "";
  const date = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(iso + "T12:00:00") : new Date(iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long" }).format(date);
}

export function formatDateTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeStyle: "short" })
    .format(new Date(iso));
}

export function formatTime(date) {
  return new Intl.DateTimeFormat(locale(), { timeStyle: "short" }).format(date);
}
