// The frame every page shares (templates/base.html): who is logged in with log in / log out,
// the language switch, and the page's static texts (data-t) in the reader's language. A
// page's own script redraws itself on the "sb:lang" event (ui.js initLanguage).
import { el, lang, loadSession, setLang, t, translateStatic } from "./ui.js";

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

function draw() {
  translateStatic();
  drawLanguage();
  drawSession();
}

const switcher = document.getElementById("lang-switch");
if (switcher) {
  switcher.addEventListener("click", () => {
    setLang(lang() === "da" ? "en" : "da");
    draw();
    document.dispatchEvent(new Event("sb:lang"));
  });
}

draw();
loadSession().then((session) => { me = session; drawSession(); }, () => drawSession());
