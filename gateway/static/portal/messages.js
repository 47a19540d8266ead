// /beskeder/: everything the municipality sent me (GET /api/notifications/me/inbox), newest
// first, unread marked; opening a letter shows its full text and marks it read. While acting
// for someone, the letters about that person (sent to me as their proxy).
import {
  actingFor, api, el, formatDateTime, initLanguage, mount, requireSession, scoped, showFatal,
} from "/static/ui/ui.js";

const tr = scoped("messages.");
const root = document.getElementById("app");
let letters = null;
let me = null;

function channels(letter) {
  return letter.channels.map((c) => tr("channel." + c)).join(", ");
}

async function markRead(letter) {
  if (letter.read_at) return;
  try {
    const { data } = await api("POST", `/api/notifications/me/inbox/${encodeURIComponent(letter.id)}/read`);
    letter.read_at = data.read_at;
  } catch (_e) {
    return; // still unread: it will be marked next time it is opened
  }
  const card = root.querySelector(`[data-id="${letter.id}"]`);
  if (card) {
    card.classList.remove("letter-unread");
    const tag = card.querySelector(".tag-unread");
    if (tag) tag.remove();
  }
  drawCount();
}

function letterCard(letter) {
  const unread = !letter.read_at;
  const details = el("details", { class: "letter-details" },
    el("summary", { class: "letter-summary" },
      el("span", { class: "letter-subject", text: letter.subject }),
      unread ? el("span", { class: "tag tag-unread", text: tr("unread") }) : null,
      el("span", { class: "letter-date small", text: tr("sent", { time: formatDateTime(letter.sent_at) }) })),
    el("div", { class: "letter-body", lang: letter.language, text: letter.body }),
    el("p", { class: "small", text: tr("channels", { channels: channels(letter) }) }),
    letter.recipient_role === "proxy" ? el("p", { class: "small", text: tr("proxy") }) : null);
  details.addEventListener("toggle", () => { if (details.open) markRead(letter); });
  return el("li", { class: "card letter" + (unread ? " letter-unread" : ""), "data-id": letter.id },
    details);
}

function shown() {
  const acting = actingFor();
  return letters.filter((letter) => (acting ? letter.citizen_id === acting.citizen_id
                                            : letter.citizen_id === me.subject));
}

function drawCount() {
  const count = document.getElementById("unread-count");
  if (count) count.textContent = tr("count", { n: shown().filter((l) => !l.read_at).length });
}

function render() {
  document.title = tr("h1") + " – Selvbetjening";
  const list = shown();
  mount(root,
    el("h1", { text: tr("h1") }),
    el("p", { class: "lead", text: tr("lead") }),
    el("p", { id: "unread-count", class: "small", "aria-live": "polite" }),
    list.length ? el("ul", { class: "cards", id: "letters" }, list.map(letterCard))
                : el("p", { id: "letters-empty", text: tr("empty") }),
    el("p", {}, el("a", { href: "/indstillinger/", text: tr("settings") })));
  drawCount();
}

async function load() {
  try {
    me = await requireSession();
    letters = (await api("GET", "/api/notifications/me/inbox")).data.letters;
    render();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => letters && render());
load();
