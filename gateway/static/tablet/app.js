// The staff tablet (medbetjening, docs/tablet.md): today's route, a visit page per citizen,
// an application filled in with the citizen, consent collected on the spot, the visit closed;
// all of it without network. This module starts the app: the header, moving between screens,
// and when the tablet's data is wiped (logout, another staff member, idle time).
import { call, refreshSession, session } from "./api.js";
import { el, main, show } from "./dom.js";
import { data, forget as forgetData, load as loadData, now, refresh as refreshData, rememberMe } from "./data.js";
import { formView } from "./form.js";
import { attentionCount } from "./items.js";
import { box, flush, load as loadOutbox, pending, save as saveOutbox } from "./outbox.js";
import { clock, language, setLanguage, t } from "./texts.js";
import * as vault from "./vault.js";
import { LOGIN_URL, chooseView, closeView, consentView, routeView, ui, visitView } from "./views.js";

const USED = "sb_tablet_used"; // when the tablet was last used (ms); not personal
const IDLE_MS = Number(document.documentElement.dataset.idleHours || 12) * 3600 * 1000;
// Kept through a wipe while unsent: the outbox, work begun, and the files they hold.
const UNSENT = (name) => name === "outbox" || name.startsWith("work:") || name.startsWith("file:");

function unsent() {
  return box.items.filter((item) => pending().includes(item) || item.state === "conflict");
}

function renderBar() {
  document.documentElement.lang = language();
  const online = navigator.onLine && session.state !== "unknown";
  const net = document.getElementById("net");
  net.textContent = online ? t("net.online") : t("net.offline");
  net.className = "pill " + (online ? "pill-online" : "pill-offline");
  const queue = document.getElementById("queue");
  const n = pending().length;
  const problems = attentionCount();
  if (n) {
    queue.textContent = session.state === "none" ? t("queue.login", { n })
      : box.sending ? t("queue.sending", { n }) : t("queue.waiting", { n });
    queue.className = "pill " + (session.state === "none" ? "pill-problem" : "pill-waiting");
  } else {
    queue.textContent = problems ? t("queue.attention", { n: problems }) : box.items.length ? t("queue.empty") : "";
    queue.className = "pill " + (problems ? "pill-problem" : "pill-online");
  }
  document.getElementById("who").textContent = data.me ? "· " + data.me.name : "";
  const lang = document.getElementById("lang");
  lang.textContent = t("lang.switch");
  lang.lang = language() === "da" ? "en" : "da";
  const logout = document.getElementById("logout");
  logout.textContent = t("logout");
  logout.hidden = !data.me; // also offline: the day can always be wiped
  const banner = document.getElementById("banner");
  const others = pending().filter((item) => item.staff && data.me && item.staff !== data.me.subject);
  banner.className = "banner";
  banner.hidden = false;
  if (session.state === "none" && data.me) {
    banner.className = "banner banner-error";
    banner.replaceChildren(t("banner.login"), " ",
      el("a", { class: "button button-secondary", href: LOGIN_URL, id: "login-again" }, t("banner.login.button")));
  } else if (!online && data.route) {
    banner.replaceChildren(t("banner.offline", { time: clock(data.route.fetched_at) }));
  } else if (others.length) {
    banner.replaceChildren(t("banner.otherstaff", { who: others[0].staff }));
  } else {
    banner.hidden = true;
  }
}

const VIEWS = { route: routeView, visit: visitView, choose: chooseView, consent: consentView,
                close: closeView, form: formView };

let drawing = 0;
async function render() {
  renderBar();
  const mine = ++drawing;
  const nodes = await (VIEWS[ui.view.name] || routeView)(ui.view);
  if (mine === drawing) show(nodes, ui.view.name === "route" ? otherStaffPanel() : null);
}

// Redraws what changed in the background without disturbing a form being filled in.
function refresh() {
  if (["route", "visit"].includes(ui.view.name)) render();
  else renderBar();
}

async function go(view) {
  if (view.name === "route" && ui.view.name !== "visit") ui.notice = ui.notice && ui.notice.item ? ui.notice : null;
  ui.view = view;
  await render();
  const heading = main().querySelector("h1");
  if (heading) heading.focus();
  window.scrollTo(0, 0);
}
ui.go = go;
ui.render = render;
box.onChange = refresh;
box.onSent = async () => {
  await refreshData();
  refresh();
};

// -- wiping ------------------------------------------------------------------------------------

/** Remove everything personal; unsent work stays (encrypted) when there is any. */
async function wipe() {
  forgetData();
  if (unsent().length) await vault.removeAllBut(UNSENT);
  else {
    box.items = [];
    await vault.wipe();
  }
}

function otherStaffPanel() {
  const theirs = unsent().filter((item) => item.staff && data.me && item.staff !== data.me.subject);
  if (!theirs.length || ui.keptForOther) return null;
  const who = theirs[0].staff;
  return el("section", { class: "panel panel-warning", id: "other-staff", "aria-labelledby": "other-h" },
    el("h2", { id: "other-h" }, t("other.h2")),
    el("p", null, t("other.lead", { who, n: theirs.length })),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "button-secondary", id: "keep-other",
                     onclick: () => { ui.keptForOther = true; render(); } }, t("other.keep", { who })),
      el("button", { type: "button", class: "button-danger", id: "delete-other", onclick: async () => {
        if (!window.confirm(t("other.delete.confirm"))) return;
        box.items = box.items.filter((item) => !theirs.includes(item));
        for (const file of theirs.flatMap((item) => item.files || [])) await vault.remove("file:" + file.file_id);
        await saveOutbox();
        render();
      } }, t("other.delete"))));
}

async function logoutAtServer() {
  await refreshSession();
  try {
    const answer = await call("POST", "/auth/logout", { json: {} });
    if (answer.ok) session.state = "none";
    return answer.ok ? answer.body : {};
  } catch (_offline) {
    return {}; // no network: the server's session ends at its own timeout or the next logout
  }
}

async function expireIfIdle() {
  const used = Number(localStorage.getItem(USED) || 0);
  if (used && now() - used > IDLE_MS) {
    await wipe();
    await logoutAtServer(); // the session ends with the data (offline: at the next login)
    ui.notice = { kind: "warning", text: t("expired", { hours: Math.round(IDLE_MS / 3600000) }) };
    return true;
  }
  return false;
}

let lastTouch = 0;
function touch() {
  if (now() - lastTouch < 10000) return;
  lastTouch = now();
  localStorage.setItem(USED, String(lastTouch));
}

async function signedIn() {
  if (!(await refreshSession())) return false;
  if (data.me && data.me.subject !== session.me.subject) {
    // Another staff member: the previous one's data goes; their unsent work is asked about.
    await wipe();
  }
  await rememberMe();
  return true;
}

// -- start -----------------------------------------------------------------------------------

document.getElementById("lang").addEventListener("click", () => {
  setLanguage(language() === "da" ? "en" : "da");
  render();
});
document.getElementById("logout").addEventListener("click", async () => {
  const n = unsent().length;
  if (n && !window.confirm(t("logout.keep", { n }))) return;
  const result = await logoutAtServer();
  await wipe();
  localStorage.removeItem(USED);
  window.location.href = result.provider_logout_url || "/tablet/";
});
for (const kind of ["click", "input", "keydown"]) document.addEventListener(kind, touch, { capture: true });
window.addEventListener("online", async () => {
  if (await signedIn()) await refreshData();
  refresh();
  flush();
});
window.addEventListener("offline", () => { session.state = "unknown"; refresh(); });
document.addEventListener("visibilitychange", () => { if (!document.hidden) flush(); });

async function start() {
  await loadOutbox();
  const expired = await expireIfIdle();
  if (!expired) await loadData();
  touch();
  await render();
  if (expired) return;
  if (await signedIn()) {
    await refreshData();
    document.body.dataset.fetched = data.route ? data.route.fetched_at : ""; // tests wait on it
  }
  await render();
  flush();
}
start();

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/tablet/sw.js", { scope: "/tablet/" }).catch(() => undefined);
}
