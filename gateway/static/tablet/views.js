// The screens around a visit: the day's route, the visit page, collecting consent, closing.
import { newKey } from "/static/ui/ui.js";
import { el, panel } from "./dom.js";
import { data, now, today, visitById } from "./data.js";
import { session } from "./api.js";
import { box, enqueue, save } from "./outbox.js";
import { outboxItem, outboxSection } from "./items.js";
import { clock, language, longDate, pick, shortDate, t } from "./texts.js";
import * as vault from "./vault.js";
import { continueDraft, startApplication } from "./form.js";

export const LOGIN_URL = "/auth/login?channel=tablet&next=/tablet/";
export const ui = { view: { name: "route" }, notice: null, go: () => {}, render: () => {} };

const who = (visit) => visit.citizen_name || t("visit.unknown");
const where = (visit) => visit.address || visit.location || "";

function back(to = { name: "route" }) {
  return el("p", null, el("button", { type: "button", class: "button-quiet back", onclick: () => ui.go(to) },
    "← ", t("back")));
}

function notice() {
  const n = ui.notice;
  if (!n) return null;
  const item = n.item && box.items.find((candidate) => candidate.id === n.item);
  if (n.item && (!item || item.state !== "waiting")) {
    ui.notice = null;
    return null;
  }
  return el("div", { class: "panel panel-" + n.kind, role: "status", id: "notice" }, el("p", null, n.text));
}

function attention() {
  const items = box.items.filter((i) => ["superseded", "refused", "conflict"].includes(i.state) && !i.seen);
  if (!items.length) return null;
  return el("section", { class: "panel panel-error", id: "attention", role: "alert", "aria-labelledby": "attention-h" },
    el("h2", { id: "attention-h" }, t("attention.h2")),
    el("ul", { class: "outbox" }, items.map((item) => {
      const node = outboxItem(item);
      if (item.state !== "conflict") {
        node.append(el("button", { type: "button", class: "button-quiet seen",
          onclick: async () => { item.seen = true; await save(); ui.render(); } }, t("attention.ok")));
      }
      return node;
    })));
}

function visitCard(visit) {
  const mine = box.items.filter((item) => item.appointment_id === visit.appointment_id);
  const closed = ["cancelled", "no_show", "completed"].includes(visit.status);
  return el("li", { class: "visit" + (visit.status === "completed" ? " visit-done" : "")
    + (closed && visit.status !== "completed" ? " visit-cancelled" : ""), "data-appointment": visit.appointment_id },
    el("div", { class: "visit-head" },
      el("span", { class: "visit-time" }, clock(visit.starts_at), "–", clock(visit.ends_at)),
      el("span", { class: "tag" }, t("visit.kind." + visit.kind)),
      el("span", { class: "tag" }, t("visit.status." + visit.status))),
    el("h3", { class: "visit-name" }, who(visit)),
    el("p", { class: "visit-address" }, where(visit)),
    visit.tasks && visit.tasks.length
      ? el("ul", { class: "tasks", "aria-label": t("visit.tasks") }, visit.tasks.map((task) => el("li", null, task)))
      : null,
    mine.length ? el("ul", { class: "visit-actions" }, mine.map((item) => el("li", { class: "item-" + item.state },
      t("visit.kind." + item.kind), ": ", el("strong", null, t("state." + item.state))))) : null,
    el("div", { class: "actions" },
      // Video visits: the call page (static/video/, docs/video.md) opens from the route.
      visit.kind === "video_visit" && !closed
        ? el("a", { class: "button button-big video-start", href: "/video/" + visit.appointment_id + "/" },
             t("visit.video.start"))
        : null,
      el("button", { type: "button", class: "button-big open",
                     onclick: () => ui.go({ name: "visit", visit: visit.appointment_id }) }, t("visit.open"))));
}

export function routeView() {
  if (!data.route) {
    const offline = session.state === "unknown";
    return [
      el("h1", { tabindex: "-1" }, t("login.h1")),
      notice(),
      el("p", { class: "lead" }, offline ? t("login.offline") : t("login.lead")),
      offline ? null : el("p", null, el("a", { class: "button button-big", href: LOGIN_URL, id: "login" }, t("login.button"))),
      box.items.length ? outboxSection() : null,
    ];
  }
  const visits = data.route.visits.slice().sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
  return [
    el("h1", { tabindex: "-1" }, t("route.h1")),
    el("p", { class: "lead" }, longDate(data.route.date), " · ", t("route.updated", { time: clock(data.route.fetched_at) })),
    data.route.date !== today() ? panel("warning", el("p", null, t("route.stale", { date: longDate(data.route.date) }))) : null,
    attention(),
    notice(),
    visits.length ? el("ol", { class: "visits", id: "visits" }, visits.map(visitCard)) : el("p", null, t("route.none")),
    outboxSection(),
  ];
}

function listSection(id, title, rows, none) {
  return el("section", { "aria-labelledby": id + "-h", id },
    el("h2", { id: id + "-h" }, title),
    rows.length ? el("ul", { class: "plain" }, rows) : el("p", null, none));
}

export function visitView(view) {
  const visit = visitById(view.visit);
  if (!visit) return routeView();
  const page = data.citizens[visit.citizen_id];
  const items = box.items.filter((item) => item.appointment_id === visit.appointment_id);
  const open = visit.status === "booked" || visit.status === "rescheduled";
  const parts = [
    back(),
    el("h1", { tabindex: "-1" }, t("visit.h1", { name: who(visit) })),
    el("dl", { class: "facts" },
      el("dt", null, t("visit.address")), el("dd", { id: "visit-address" }, where(visit)),
      el("dt", null, t("visit.time")), el("dd", null, clock(visit.starts_at), "–", clock(visit.ends_at))),
    visit.tasks && visit.tasks.length ? el("ul", { class: "tasks" }, visit.tasks.map((task) => el("li", null, task))) : null,
    notice(),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "button-big apply", onclick: () => ui.go({ name: "choose", visit: visit.appointment_id }) },
        t("visit.apply")),
      el("button", { type: "button", class: "button-big button-secondary consent",
                     onclick: () => ui.go({ name: "consent", visit: visit.appointment_id }) }, t("visit.consent")),
      open ? el("button", { type: "button", class: "button-big button-quiet close-visit",
                            onclick: () => ui.go({ name: "close", visit: visit.appointment_id }) }, t("visit.close")) : null),
  ];
  if (!page) {
    parts.push(panel("warning", el("p", null, t("visit.notfetched"))));
  } else {
    parts.push(
      el("p", { class: "small" }, t("visit.fetched", { time: clock(page.fetched_at) })),
      listSection("applications", t("visit.applications"), page.applications.map((a) => el("li", { "data-application": a.id },
        el("strong", null, a.title), " · ",
        a.state === "draft" ? t("app.state.draft") : pick(a.status_text), " · ",
        t("visit.started", { date: shortDate(a.created_at) }),
        a.state === "draft" && data.defs[a.type] ? el("button", { type: "button", class: "button-secondary continue",
          onclick: () => continueDraft(visit, a) }, t("visit.continue")) : null)), t("visit.applications.none")),
      listSection("consents", t("visit.consents"), page.consents.map((c) => el("li", null,
        el("strong", null, c.purpose_title ? pick(c.purpose_title) : c.purpose), " · ", t("consent.state.active"))),
        t("visit.consents.none")),
      listSection("coming", t("visit.coming"), page.appointments.map((a) => el("li", null,
        shortDate(a.starts_at), " ", clock(a.starts_at), " · ", t("visit.kind." + a.kind))), t("visit.coming.none")));
  }
  if (items.length) parts.push(el("h2", null, t("outbox.h2")), el("ul", { class: "outbox", id: "visit-outbox" }, items.map(outboxItem)));
  return parts;
}

export function chooseView(view) {
  const visit = visitById(view.visit);
  if (!visit) return routeView();
  const types = data.types || [];
  const parts = [back({ name: "visit", visit: visit.appointment_id }), el("h1", { tabindex: "-1" }, t("apply.h1")),
    el("p", { class: "lead" }, t("apply.for", { address: `${who(visit)}, ${where(visit)}` }))];
  if (!types.length) return parts.concat(panel("warning", el("p", null, t("apply.notypes"))));
  view.type = view.type || types[0].id;
  parts.push(el("fieldset", null, el("legend", null, t("apply.type")),
    types.map((type) => el("label", { class: "choice" },
      el("input", { type: "radio", name: "type", value: type.id, checked: type.id === view.type,
                    onchange: () => { view.type = type.id; } }),
      pick(type.title)))));
  parts.push(el("div", { class: "actions" },
    el("button", { type: "button", class: "button-big", id: "start-application",
                   onclick: () => startApplication(visit, view.type) }, t("apply.start"))));
  return parts;
}

export function consentView(view) {
  const visit = visitById(view.visit);
  if (!visit) return routeView();
  const purposes = data.purposes || [];
  const head = [back({ name: "visit", visit: visit.appointment_id }), el("h1", { tabindex: "-1" }, t("consent.h1"))];
  if (!purposes.length) return head.concat(panel("warning", el("p", null, t("consent.nopurposes"))));
  view.purpose = view.purpose || purposes[0].code;
  view.textLang = view.textLang || language();
  const purpose = purposes.find((p) => p.code === view.purpose) || purposes[0];
  const wording = purpose.texts.find((x) => x.version === purpose.current_version) || purpose.texts[purpose.texts.length - 1];
  const lang = view.textLang;
  const parts = head.concat(el("p", { class: "lead" }, t("consent.for", { address: `${who(visit)}, ${where(visit)}` })));
  if (!view.givenAt) {
    parts.push(el("fieldset", null, el("legend", null, t("consent.purpose")),
      purposes.map((p) => el("label", { class: "choice" },
        el("input", { type: "radio", name: "purpose", value: p.code, checked: p.code === purpose.code,
                      onchange: () => { view.purpose = p.code; ui.render(); } }),
        language() === "en" ? p.title_en : p.title_da))));
  }
  parts.push(el("h2", null, t("consent.read")),
    el("div", { class: "consent-text", lang, id: "consent-text" },
      el("p", null, el("strong", null, lang === "en" ? purpose.title_en : purpose.title_da)),
      el("p", null, lang === "en" ? wording.en : wording.da),
      el("p", { class: "consent-if-no" }, lang === "en" ? wording.if_no_en : wording.if_no_da),
      el("p", { class: "small" }, t("consent.version", { version: wording.version }, lang))));
  if (!view.givenAt) {
    parts.push(el("div", { class: "actions" },
      el("button", { type: "button", class: "button-big", id: "citizen-yes", lang,
                     onclick: () => { view.givenAt = new Date(now()).toISOString(); ui.render(); } },
        t("consent.yes", {}, lang)),
      el("button", { type: "button", class: "button-quiet", id: "show-other", lang: lang === "en" ? "da" : "en",
                     onclick: () => { view.textLang = lang === "en" ? "da" : "en"; ui.render(); } },
        t("consent.showother", {}, lang)),
      el("button", { type: "button", class: "button-big button-danger", id: "citizen-no",
                     onclick: () => { ui.notice = { kind: "info", text: t("consent.declined") };
                                      ui.go({ name: "visit", visit: visit.appointment_id }); } }, t("consent.no"))));
    return parts;
  }
  const attest = el("input", { type: "checkbox", id: "attest", "aria-describedby": "attest-msg" });
  const message = el("p", { id: "attest-msg", class: "small", hidden: true }, t("consent.attest.missing"));
  parts.push(
    panel("ok", el("p", null, t("consent.given", { time: clock(view.givenAt) }))),
    el("label", { class: "choice", for: "attest" }, attest, t("consent.attest")), message,
    el("div", { class: "actions" }, el("button", { type: "button", class: "button-big", id: "save-consent",
      onclick: async (event) => {
        if (!attest.checked) { message.hidden = false; attest.focus(); return; }
        event.currentTarget.disabled = true;
        await enqueue({ kind: "consent", citizen_id: visit.citizen_id, appointment_id: visit.appointment_id,
          title: { da: purpose.title_da, en: purpose.title_en },
          body: { consent_id: newKey(), citizen_id: visit.citizen_id, purpose: purpose.code,
                  text_version: wording.version, language: lang, data_categories: purpose.data_categories,
                  sources: purpose.sources, recipients: purpose.recipients, channel: "tablet",
                  device_id: deviceId(), given_at: view.givenAt } });
        ui.notice = { kind: "ok", text: t("consent.saved"), item: box.items[box.items.length - 1].id };
        ui.go({ name: "visit", visit: visit.appointment_id });
      } }, t("consent.save"))));
  return parts;
}

export function closeView(view) {
  const visit = visitById(view.visit);
  if (!visit) return routeView();
  const note = el("textarea", { id: "visit-note", rows: "3", maxlength: "1000" });
  const close = (outcome) => async (event) => {
    event.currentTarget.disabled = true;
    await enqueue({ kind: "visit", outcome, appointment_id: visit.appointment_id, citizen_id: visit.citizen_id,
                    note: note.value.trim() || null });
    visit.status = outcome === "done" ? "completed" : "no_show"; // as the tablet sees it now
    await vault.put("route", data.route);
    ui.notice = { kind: "ok", text: t("close.queued"), item: box.items[box.items.length - 1].id };
    ui.go({ name: "route" });
  };
  return [back({ name: "visit", visit: visit.appointment_id }), el("h1", { tabindex: "-1" }, t("close.h1")),
    el("p", { class: "lead" }, `${who(visit)}, ${where(visit)}`),
    el("label", { for: "visit-note", class: "label" }, t("close.note")), note,
    el("div", { class: "actions" },
      el("button", { type: "button", class: "button-big", id: "visit-done", onclick: close("done") }, t("close.done")),
      el("button", { type: "button", class: "button-big button-danger", id: "visit-away", onclick: close("away") },
        t("close.away")))];
}

export function deviceId() {
  let id = localStorage.getItem("sb_tablet_device");
  if (!id) {
    id = "tablet-" + newKey();
    localStorage.setItem("sb_tablet_device", id);
  }
  return id;
}
