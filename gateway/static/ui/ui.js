// The one shared front-end module of the portal, the tablet and the caseworker workspace:
// texts by language, building elements (never innerHTML), the session and its CSRF token,
// calls to the API through the gateway with problem+json refusals, and formats. No framework,
// no build step: pages import what they need (import { el, t } from "/static/ui/ui.js").
import da from "./texts.da.js";
import en from "./texts.en.js";

const TEXTS = { da, en };
const LANG_KEY = "sb_lang";

// -- language and texts ------------------------------------------------------------------------

/** The reader's language: "da" (the default) or "en", kept in localStorage across pages. */
export function lang() {
  try {
    return localStorage.getItem(LANG_KEY) === "en" ? "en" : "da";
  } catch (_e) {
    return "da";
  }
}

/** Switch the language for this and later pages. */
export function setLang(value) {
  try {
    localStorage.setItem(LANG_KEY, value === "en" ? "en" : "da");
  } catch (_e) { /* private mode: the switch lasts for this page only */ }
  document.documentElement.lang = lang();
}

/** A text in the current language (or `language`), with {name} placeholders filled in. */
export function t(key, vars = {}, language = lang()) {
  const text = TEXTS[language][key] ?? TEXTS.da[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_m, name) => (name in (vars || {}) ? String(vars[name]) : ""));
}

/** t() for one screen's texts: scoped("consents.")("h1") is t("consents.h1"); a key the
 *  screen does not have falls back to the shared one ("back", "network", ...). */
export function scoped(prefix) {
  return (key, vars = {}, language = lang()) => {
    const full = prefix + key;
    return full in TEXTS.da || full in TEXTS[language] ? t(full, vars, language)
                                                       : t(key, vars, language);
  };
}

/** A catalogue text ({da, en}) in the current language. */
export function txt(value, language = lang()) {
  if (!value) return "";
  if (typeof value === "string") return value;
  return value[language] || value.da || value.en || "";
}

/** Translate the static parts of a page: elements with data-t="key" get the text. */
export function translateStatic(scope = document) {
  document.documentElement.lang = lang();
  for (const node of scope.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of scope.querySelectorAll("[data-t-label]")) {
    node.setAttribute("aria-label", t(node.dataset.tLabel));
  }
}

// -- building elements -------------------------------------------------------------------------

/** Build an element: el("p", {class: "x", text: "hi"}, child, ...). Never uses innerHTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
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

/** An icon from the design system's sprite, hidden from screen readers. */
export function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon-svg");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", "/static/dkfds/img/all-svg-icons.svg#" + name);
  svg.append(use);
  return svg;
}

/** A design-system alert (kind: info, success, warning, error) with an optional heading. */
export function alertBox(kind, { heading, id, focus } = {}, ...content) {
  const role = kind === "error" || kind === "warning" ? "alert" : "status";
  return el("div", { class: "alert alert-" + kind, role, id, tabindex: focus ? "-1" : null },
    el("div", { class: "alert-body" },
      heading ? el("h2", { class: "alert-heading", text: heading }) : null,
      content.flat().map((part) => (typeof part === "string"
        ? el("p", { class: "alert-text", text: part }) : part))));
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
export function goLogin(channel = "portal") {
  const here = location.pathname + location.search;
  location.assign("/auth/login?channel=" + encodeURIComponent(channel) + "&next="
                  + encodeURIComponent(here));
}

/** Who is logged in (with the CSRF token), or null; ApiError(0) without network. */
export async function loadSession() {
  let response;
  try {
    response = await fetch("/auth/session", { credentials: "same-origin",
                                              headers: { Accept: "application/json" } });
  } catch (_e) {
    throw new ApiError(0, { title: t("network") });
  }
  if (response.status === 401) {
    session = null;
    return null;
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  session = await response.json();
  return session;
}

/** The session loaded last (null before loadSession/requireSession). */
export function currentSession() {
  return session;
}

/** Who is logged in; sends the user to log in when nobody is. While the citizen acts for
 *  someone whose power of attorney has ended, shows that instead of the page. */
export async function requireSession(channel = "portal") {
  const me = await loadSession();
  if (!me) {
    goLogin(channel);
    return new Promise(() => {}); // the page is going away
  }
  const acting = actingFor();
  if (acting && !(await authorityHolds(acting))) {
    setActingFor(null);
    showAuthorityEnded(acting);
    return new Promise(() => {}); // the page stays as it is now
  }
  return me;
}

// -- acting for someone (power of attorney) ---------------------------------------------------

const ACTING_KEY = "sb_acting_for";

/** The person the citizen acts for now ({citizen_id, name, proxy_id}), or null for themselves. */
export function actingFor() {
  try {
    const value = JSON.parse(sessionStorage.getItem(ACTING_KEY) || "null");
    if (!value || (session && value.agent_id !== session.subject)) return null;
    return value;
  } catch (_e) {
    return null;
  }
}

/** Act for someone from now on (a held proxy from the consents API), or for oneself (null). */
export function setActingFor(proxy) {
  try {
    if (!proxy) sessionStorage.removeItem(ACTING_KEY);
    else {
      sessionStorage.setItem(ACTING_KEY, JSON.stringify({
        citizen_id: proxy.citizen_id, proxy_id: proxy.id, agent_id: proxy.agent_id,
        name: proxy.citizen_name || proxy.citizen_id }));
    }
  } catch (_e) { /* private mode: acting lasts for this page only */ }
  document.dispatchEvent(new Event("sb:acting"));
}

/** A list path for the person acted for: "/api/x" -> "/api/x?citizen_id=..." when acting. */
export function forCitizen(path) {
  const acting = actingFor();
  if (!acting) return path;
  return path + (path.includes("?") ? "&" : "?") + "citizen_id="
    + encodeURIComponent(acting.citizen_id);
}

async function authorityHolds(acting) {
  try {
    const { data } = await api("GET", "/api/consents/proxies/"
                                      + encodeURIComponent(acting.proxy_id));
    return data.status === "active";
  } catch (error) {
    if (error instanceof ApiError && error.status === 0) return true; // offline: the API decides
    return false;
  }
}

/** The clear page a proxy sees when the authority they acted under has ended. */
export function showAuthorityEnded(acting) {
  const main = document.getElementById("indhold");
  if (!main) return;
  document.title = t("acting.ended.h1") + " – Selvbetjening";
  main.replaceChildren(
    el("div", { class: "alert alert-warning", role: "alert", id: "authority-ended" },
      el("div", { class: "alert-body" },
        el("h1", { class: "alert-heading", tabindex: "-1",
                   text: t("acting.ended.h1") }),
        el("p", { class: "alert-text", text: t("acting.ended.text", { name: acting.name }) }),
        el("p", { class: "alert-text", text: t("acting.ended.next", { name: acting.name }) }))),
    el("p", {}, el("a", { class: "button button-primary", href: "/", id: "continue-self",
                          text: t("acting.ended.continue") })));
  main.querySelector("h1").focus();
  document.dispatchEvent(new Event("sb:acting"));
}

/** A W3C trace context for one API call: a new trace id and this call's span id (sampled).
 *  The gateway's span continues it, so one id follows the call through every process
 *  (docs/tracing.md); it names nothing about the person. */
export function newTraceparent() {
  const hex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)),
    (x) => x.toString(16).padStart(2, "0")).join("");
  let traceId = hex(16);
  let spanId = hex(8);
  while (/^0+$/.test(traceId)) traceId = hex(16); // all zeros is not a valid id
  while (/^0+$/.test(spanId)) spanId = hex(8);
  return `00-${traceId}-${spanId}-01`;
}

/** Call the API. Answers {data, etag, status}; refusals throw ApiError with the problem
 *  details (application/problem+json: code, title, detail in the request's language). */
export async function api(method, path, { json, form, etag, idempotencyKey, headers: extra } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": lang(),
                    traceparent: newTraceparent(), ...(extra || {}) };
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
  return { data, etag: response.headers.get("ETag"), status: response.status };
}

/** A fresh Idempotency-Key (also the id of an offline action). */
export function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A refusal as an alert: the problem's title and detail, or the network message. */
export function problemAlert(error, { id = "problem" } = {}) {
  const problem = error instanceof ApiError ? error.problem : {};
  const heading = problem.title || t("error.title");
  const detail = problem.detail && problem.detail !== problem.title ? problem.detail
    : (error instanceof ApiError && error.status ? null : t("network"));
  return alertBox("error", { heading, id, focus: true }, detail ? [detail] : []);
}

/** Show a refusal instead of the screen; a 401 sends the user to log in. */
export function showFatal(root, error, retry) {
  if (error instanceof ApiError && error.status === 401) return goLogin();
  if (!(error instanceof ApiError)) console.error(error); // a fault of ours: say so in the console
  const problem = error instanceof ApiError ? error.problem : {};
  root.replaceChildren(
    el("div", { class: "alert alert-error", role: "alert" },
      el("div", { class: "alert-body" },
        el("h1", { class: "alert-heading", text: problem.title || t("error.title"),
                   tabindex: "-1" }),
        el("p", { class: "alert-text",
                  text: problem.detail || (error instanceof ApiError && error.status
                    ? error.message : t("network")) }))),
    retry ? el("button", { type: "button", class: "button button-secondary", onclick: retry,
                           text: t("error.retry") }) : null);
  root.querySelector("h1").focus();
}

// -- formatting (times shown in Europe/Copenhagen) --------------------------------------------

export const ZONE = "Europe/Copenhagen";
export const locale = (language = lang()) => (language === "en" ? "en-GB" : "da-DK");

export function formatNumber(value) {
  return new Intl.NumberFormat("da-DK").format(value);
}

export function formatDate(iso) {
  if (!iso) return "";
  const date = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(iso + "T12:00:00") : new Date(iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeZone: ZONE }).format(date);
}

export function formatDateTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeStyle: "short",
                                             timeZone: ZONE }).format(new Date(iso));
}

export function formatTime(date) {
  return new Intl.DateTimeFormat(locale(), { timeStyle: "short", timeZone: ZONE }).format(date);
}

// -- the page frame (header, navigation, language switch: ui/header.js) -----------------------

/** Draw the screen again when the reader switches language (the header's switch). */
export function initLanguage(rerender) {
  document.documentElement.lang = lang();
  document.addEventListener("sb:lang", () => rerender());
}
