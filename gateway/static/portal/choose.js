// /ansoeg/: choose what to apply for.
import { api, el, initLanguage, mount, requireSession, showFatal, t, txt } from "/static/ui/ui.js";

const root = document.getElementById("app");
let types = null;

function render() {
  document.title = t("choose.h1") + " – Selvbetjening";
  mount(root,
    el("h1", { text: t("choose.h1") }),
    el("p", { class: "lead", text: t("choose.lead") }),
    el("ul", { class: "cards", id: "types" }, types.map((type) => el("li", { class: "card" },
      el("h2", {}, el("a", { href: `/ansoeg/${encodeURIComponent(type.id)}/`,
                             class: "card-link", text: txt(type.title) })),
      el("p", { text: txt(type.summary) }),
      el("p", { class: "card-cta", "aria-hidden": "true", text: t("choose.cta") + " →" })))));
}

async function load() {
  try {
    await requireSession();
    types = (await api("GET", "/api/applications/types")).data;
    render();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => types && render());
load();
