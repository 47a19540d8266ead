// The frame every page shares (templates/base.html): who is logged in with log in / log out,
// the language switch, the page's static texts (data-t) in the reader's language, and for a
// citizen who holds a power of attorney the switch between "mig selv" and "på vegne af
// <navn>" with a banner on every page while acting for someone. A page's own script redraws
// itself on the "sb:lang" event (ui.js initLanguage).
import {
  actingFor, api, el, lang, loadSession, setActingFor, setLang, t, translateStatic,
} from "./ui.js";

const box = document.getElementById("session");
const channel = (box && box.dataset.channel) || "portal";

function loginLink() {
  const next = location.pathname + location.search;
  return el("a", { id: "login", class: "function-link",
                   href: "/auth/login?channel=" + encodeURIComponent(channel) + "&next="
                         + encodeURIComponent(next), text: t("session.login") });
}

async function logout(csrf) {
  const response = await fetch("/auth/logout", {
    method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf },
  });
  const result = await response.json().catch(() => ({}));
  window.location.href = result.provider_logout_url || "/";
}

let me = null;

function drawSession() {
  if (!box) return;
  if (!me) {
    box.replaceChildren(loginLink());
    return;
  }
  box.replaceChildren(
    el("span", { id: "who", class: "user" }, t("session.who"), " ",
       el("strong", { text: me.name || me.subject })),
    el("button", { type: "button", id: "logout", class: "function-link",
                   onclick: () => logout(me.csrf_token), text: t("session.logout") }));
}

function drawLanguage() {
  const button = document.getElementById("lang-switch");
  if (!button) return;
  button.textContent = t("lang.switch");
  button.lang = lang() === "da" ? "en" : "da";
  button.setAttribute("aria-label", t("lang.switch.label"));
  button.hidden = false;
}

let held = []; // active powers of attorney the citizen holds for others

function drawActing() {
  const banner = document.getElementById("acting-banner");
  if (!banner || !me || me.kind !== "citizen") return;
  const acting = actingFor();
  if (!held.length && !acting) {
    banner.hidden = true;
    return;
  }
  const select = el("select", { id: "acting-switch", class: "form-select" },
    el("option", { value: "", text: t("acting.self") }),
    held.map((proxy) => el("option", {
      value: proxy.id, selected: acting && acting.proxy_id === proxy.id,
      text: t("acting.for", { name: proxy.citizen_name || proxy.citizen_id }) })));
  const form = el("form", { class: "acting-form", onsubmit: (event) => {
    event.preventDefault();
    setActingFor(held.find((proxy) => proxy.id === select.value) || null);
    window.location.reload();
  } },
    el("label", { class: "form-label", for: "acting-switch", text: t("acting.label") }),
    el("div", { class: "acting-row" }, select,
       el("button", { type: "submit", class: "button button-secondary", id: "acting-apply",
                      text: t("acting.apply") })));
  banner.replaceChildren(acting
    ? el("div", { class: "alert alert-info acting-now", id: "acting-now" },
        el("div", { class: "alert-body" },
          el("p", { class: "alert-heading", text: t("acting.now", { name: acting.name }) }),
          el("p", { class: "alert-text", text: t("acting.recorded", { name: acting.name }) }),
          form))
    : form);
  banner.hidden = false;
}

function draw() {
  translateStatic();
  drawLanguage();
  drawSession();
  drawActing();
}

async function loadHeld() {
  if (!me || me.kind !== "citizen") return;
  try {
    const { data } = await api("GET", "/api/consents/proxies");
    held = (data.held || []).filter((proxy) => proxy.status === "active");
  } catch (_e) {
    held = [];
  }
  drawActing();
}

document.addEventListener("sb:acting", () => loadHeld());

const switcher = document.getElementById("lang-switch");
if (switcher) {
  switcher.addEventListener("click", () => {
    setLang(lang() === "da" ? "en" : "da");
    draw();
    document.dispatchEvent(new Event("sb:lang"));
  });
}

draw();
loadSession().then((session) => {
  me = session;
  drawSession();
  loadHeld();
}, () => drawSession());
