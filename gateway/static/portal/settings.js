// /indstillinger/: how and in which language the municipality writes to me
// (GET/PUT /api/notifications/me/preferences), and my user id to give to someone who will
// grant me a power of attorney.
import {
  ApiError, alertBox, api, el, initLanguage, mount, problemAlert, requireSession, scoped,
  showFatal, t,
} from "/static/ui/ui.js";

const tr = scoped("settings.");
const root = document.getElementById("app");
const CHANNELS = ["digital_post", "email", "sms"];
let me = null;
let prefs = null;
let notice = null; // an alert element shown above the form

function field(id, label, help, input) {
  return el("div", { class: "form-group" },
    el("label", { class: "form-label", for: id, text: label }),
    help ? el("p", { class: "form-hint", id: id + "-help", text: help }) : null,
    input);
}

function render() {
  document.title = tr("h1") + " – Selvbetjening";
  const chosen = new Set(prefs.channels || ["digital_post"]);
  const form = el("form", { id: "settings-form", novalidate: true, onsubmit: save },
    el("fieldset", { class: "form-group" },
      el("legend", { class: "form-label", text: tr("language") }),
      ["da", "en"].map((code) => el("div", { class: "form-group-radio" },
        el("input", { type: "radio", class: "form-radio", name: "language", id: "lang-" + code,
                      value: code, checked: (prefs.language || "da") === code }),
        el("label", { for: "lang-" + code, text: tr("lang." + code) })))),
    el("fieldset", { class: "form-group", "aria-describedby": "channels-help" },
      el("legend", { class: "form-label", text: tr("channels") }),
      el("p", { class: "form-hint", id: "channels-help", text: tr("channels.help") }),
      CHANNELS.map((code) => el("div", { class: "form-group-checkbox" },
        el("input", { type: "checkbox", class: "form-checkbox", name: "channels", id: "ch-" + code,
                      value: code, checked: chosen.has(code) }),
        el("label", { for: "ch-" + code, text: tr("channel." + code) })))),
    field("phone", tr("phone"), tr("phone.help"),
      el("input", { type: "tel", id: "phone", class: "form-input", autocomplete: "tel",
                    value: prefs.phone || "", "aria-describedby": "phone-help" })),
    field("email", tr("email"), null,
      el("input", { type: "email", id: "email", class: "form-input", autocomplete: "email",
                    value: prefs.email || "" })),
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "button button-primary", id: "save",
                     text: tr("save") })));
  mount(root,
    el("h1", { text: tr("h1") }),
    el("p", { class: "lead", text: tr("lead") }),
    notice,
    prefs.digital_post_exempt ? alertBox("info", {}, [tr("exempt")]) : null,
    form,
    el("p", { class: "small", id: "my-id", text: t("proxies.myid", { id: me.subject }) }));
}

async function save(event) {
  event.preventDefault();
  const body = {
    language: root.querySelector("input[name=language]:checked").value,
    channels: [...root.querySelectorAll("input[name=channels]:checked")].map((box) => box.value),
    phone: document.getElementById("phone").value.replace(/\s/g, "") || null,
    email: document.getElementById("email").value.trim() || null,
  };
  try {
    prefs = (await api("PUT", "/api/notifications/me/preferences", { json: body })).data;
    notice = alertBox("success", { id: "notice", focus: true }, [tr("saved")]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
    notice = problemAlert(error, { id: "notice" });
  }
  render();
  document.getElementById("notice").focus();
}

async function load() {
  try {
    me = await requireSession();
    prefs = (await api("GET", "/api/notifications/me/preferences")).data;
    render();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => prefs && render());
load();
