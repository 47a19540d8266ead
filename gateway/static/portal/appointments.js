// /aftaler/: my upcoming appointments, moving and cancelling them within the rules, and
// booking a free time of a service citizens may book themselves.
import {
  ApiError, api, el, initLanguage, lang, mount, newKey, requireSession, showFatal,
} from "./common.js";

const TEXTS = {
  da: {
    "h1": "Mine aftaler",
    "lead": "Her ser du dine kommende besøg og møder med kommunen.",
    "empty": "Du har ingen kommende aftaler.",
    "book": "Book en tid",
    "kind.home_visit": "Besøg hjemme hos dig",
    "kind.video_visit": "Videomøde",
    "kind.office_meeting": "Møde hos kommunen",
    "f.when": "Hvornår",
    "f.where": "Hvor",
    "f.what": "Det skal ske",
    "where.home": "Hos dig",
    "where.video": "Deltag i videomødet",
    "where.office": "Hos kommunen",
    "rescheduled": "Flyttet",
    "move": "Flyt",
    "cancel": "Aflys",
    "change.until": "Du kan selv flytte eller aflyse indtil {time}.",
    "change.closed": "Det er for sent at ændre aftalen selv. Ring til kommunen, hvis du ikke kan komme.",
    "cancel.h": "Vil du aflyse tiden?",
    "cancel.text": "Din tid: {when}. Den bliver aflyst med det samme, og en anden kan få den.",
    "cancel.yes": "Ja, aflys tiden",
    "cancel.no": "Nej, behold tiden",
    "cancelled.msg": "Tiden er aflyst: {when}.",
    "booked.msg": "Tiden er booket: {when}.",
    "moved.msg": "Tiden er flyttet til {when}.",
    "working": "Et øjeblik …",
    "choose.h1": "Book en tid",
    "choose.lead": "Vælg, hvad du vil have en tid til.",
    "choose.none": "Der er ingen tider, du kan booke selv lige nu. Ring til kommunen.",
    "minutes": "{n} minutter",
    "slots.h1": "Vælg en tid",
    "move.h1": "Flyt tiden",
    "move.current": "Din tid nu: {when}.",
    "slots.lead": "Ledige tider de næste dage. Tryk på en tid for at vælge den.",
    "slots.none": "Der er ingen ledige tider de næste {n} dage. Prøv igen senere, eller ring til kommunen.",
    "slots.free": "ledig tid",
    "slots.more": "Vis flere dage",
    "confirm.h": "Book tiden?",
    "confirm.move.h": "Flyt tiden?",
    "confirm.address": "Din adresse",
    "confirm.address.help": "Hvor skal medarbejderen komme? Fx Bredgade 12, 2. th., 5000 Odense C.",
    "confirm.address.missing": "Skriv din adresse.",
    "confirm.book": "Book tiden",
    "confirm.move": "Flyt til denne tid",
    "confirm.other": "Vælg en anden tid",
    "retry": "Vi fik ikke svar. Tryk igen. Tiden bliver ikke booket to gange.",
    "back": "Tilbage til mine aftaler",
  },
  en: {
    "h1": "My appointments",
    "lead": "Here you see your upcoming visits and meetings with the municipality.",
    "empty": "You have no upcoming appointments.",
    "book": "Book a time",
    "kind.home_visit": "Visit at your home",
    "kind.video_visit": "Video meeting",
    "kind.office_meeting": "Meeting at the municipality",
    "f.when": "When",
    "f.where": "Where",
    "f.what": "What will happen",
    "where.home": "At your home",
    "where.video": "Join the video meeting",
    "where.office": "At the municipality",
    "rescheduled": "Moved",
    "move": "Move",
    "cancel": "Cancel",
    "change.until": "You can move or cancel it yourself until {time}.",
    "change.closed": "It is too late to change the appointment yourself. Call the municipality if you cannot come.",
    "cancel.h": "Do you want to cancel the time?",
    "cancel.text": "Your time: {when}. It is cancelled at once, and someone else can get it.",
    "cancel.yes": "Yes, cancel the time",
    "cancel.no": "No, keep the time",
    "cancelled.msg": "The time has been cancelled: {when}.",
    "booked.msg": "The time is booked: {when}.",
    "moved.msg": "The time has been moved to {when}.",
    "working": "One moment …",
    "choose.h1": "Book a time",
    "choose.lead": "Choose what you want a time for.",
    "choose.none": "There are no times you can book yourself just now. Call the municipality.",
    "minutes": "{n} minutes",
    "slots.h1": "Choose a time",
    "move.h1": "Move the time",
    "move.current": "Your time now: {when}.",
    "slots.lead": "Free times in the next days. Press a time to choose it.",
    "slots.none": "There are no free times in the next {n} days. Try again later or call the municipality.",
    "slots.free": "free time",
    "slots.more": "Show more days",
    "confirm.h": "Book the time?",
    "confirm.move.h": "Move the time?",
    "confirm.address": "Your address",
    "confirm.address.help": "Where should the staff member come? E.g. Bredgade 12, 2. th., 5000 Odense C.",
    "confirm.address.missing": "Write your address.",
    "confirm.book": "Book the time",
    "confirm.move": "Move to this time",
    "confirm.other": "Choose another time",
    "retry": "We got no answer. Press again. The time will not be booked twice.",
    "back": "Back to my appointments",
  },
};

const DAYS = 14; // free slots asked for: today and the next 13 days
const DAYS_SHOWN = 3; // days with free slots shown at first; "Vis flere dage" shows more
const ZONE = "Europe/Copenhagen";
const ACTIVE = new Set(["booked", "rescheduled"]);

const root = document.getElementById("app");
let appointments = null;
let services = [];
// The screen: {name: "list"} | {name: "services"} | {name: "slots", service, moving?, slots,
// chosen?, key?, error?} ; notice: {kind, text} on the list; cancelling: an appointment id.
let screen = { name: "list" };
let notice = null;
let cancelling = null;
let busy = false;
let highlight = null;

function tr(key, vars = {}) {
  const text = TEXTS[lang()][key] ?? TEXTS.da[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_m, name) => (name in vars ? String(vars[name]) : ""));
}

const locale = () => (lang() === "en" ? "en-GB" : "da-DK");
const fmt = (options) => new Intl.DateTimeFormat(locale(), { timeZone: ZONE, ...options });
const dayName = (iso) => fmt({ weekday: "long", day: "numeric", month: "long", year: "numeric" })
  .format(new Date(iso));
const clock = (iso) => fmt({ hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
const localDate = (date) => fmt({ year: "numeric", month: "2-digit", day: "2-digit" })
  .formatToParts(date).reduce((parts, p) => ({ ...parts, [p.type]: p.value }), {});

function isoDay(date) {
  const p = localDate(date);
  return `${p.year}-${p.month}-${p.day}`;
}

function capital(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Tirsdag den 24. november 2026 kl. 10.00" (Danish) or "Tuesday 24 November 2026, 10:00". */
function moment(iso, upper = true) {
  const day = upper ? capital(dayName(iso)) : dayName(iso);
  return lang() === "en" ? `${day}, ${clock(iso)}` : `${day} kl. ${clock(iso)}`;
}

/** The appointment's local time: "Tirsdag den 24. november 2026 kl. 10.00–10.30". */
function when(appointment, upper = true) {
  return moment(appointment.starts_at, upper) + "–" + clock(appointment.ends_at);
}

function canChange(appointment) {
  return ACTIVE.has(appointment.status) && appointment.citizen_may_change_until
    && new Date(appointment.citizen_may_change_until) > new Date();
}

function translateNav() {
  for (const link of document.querySelectorAll("a[data-en]")) {
    if (!link.dataset.da) link.dataset.da = link.textContent;
    link.textContent = lang() === "en" ? link.dataset.en : link.dataset.da;
  }
}

function where(appointment) {
  if (appointment.kind === "home_visit") return tr("where.home");
  if (appointment.kind === "video_visit" && appointment.video_url) {
    return el("a", { href: appointment.video_url, class: "video-link", rel: "noopener",
                     text: tr("where.video") });
  }
  return appointment.location || tr("where.office");
}

function appointmentCard(appointment) {
  const headingId = "a-" + appointment.id + "-h";
  const facts = [[tr("f.when"), when(appointment)], [tr("f.where"), where(appointment)]];
  if (appointment.tasks && appointment.tasks.length) {
    facts.push([tr("f.what"), el("ul", { class: "tasks" },
                                 appointment.tasks.map((task) => el("li", { text: task })))]);
  }
  const service = services.find((s) => s.service_id === appointment.service_id);
  const changeable = canChange(appointment);
  let actions;
  if (cancelling === appointment.id) {
    actions = el("div", { class: "panel panel-warning confirm", role: "group",
                          "aria-labelledby": "cancel-h" },
      el("h3", { id: "cancel-h", tabindex: "-1", text: tr("cancel.h") }),
      el("p", { text: tr("cancel.text", { when: when(appointment) }) }),
      el("div", { class: "button-row" },
        el("button", { type: "button", class: "button danger", id: "confirm-cancel",
                       disabled: busy, onclick: () => cancel(appointment) },
           busy ? tr("working") : tr("cancel.yes")),
        el("button", { type: "button", class: "button secondary", id: "keep",
                       disabled: busy, onclick: () => { cancelling = null; render(); } },
           tr("cancel.no"))));
  } else if (changeable) {
    const hidden = el("span", { class: "visually-hidden", text: " – " + when(appointment) });
    actions = [
      el("p", { class: "small change-until", text: tr("change.until", {
        time: moment(appointment.citizen_may_change_until, lang() === "en") }) }),
      el("div", { class: "button-row" },
        service ? el("button", { type: "button", class: "button secondary move",
                                 onclick: () => openSlots(service, appointment) },
                     tr("move"), hidden.cloneNode(true)) : null,
        el("button", { type: "button", class: "button warning cancel",
                       onclick: () => openCancel(appointment) }, tr("cancel"), hidden))];
  } else {
    actions = el("p", { class: "small", text: tr("change.closed") });
  }
  const classes = "card appointment" + (highlight === appointment.id ? " appointment-new" : "");
  return el("li", { class: classes, "data-id": appointment.id, "aria-labelledby": headingId },
    el("h2", { id: headingId }, tr("kind." + appointment.kind),
       appointment.status === "rescheduled"
         ? el("span", { class: "tag", text: tr("rescheduled") }) : null),
    el("dl", { class: "facts" }, facts.map(([name, value]) => [
      el("dt", { text: name }), el("dd", {}, value)])),
    actions);
}

function renderList() {
  const now = new Date();
  const upcoming = appointments
    .filter((a) => ACTIVE.has(a.status) && new Date(a.ends_at) > now)
    .sort((a, b) => new Date(a.starts_at) - new Date(b.starts_at));
  const bookable = services.filter((s) => s.self_bookable);
  return [
    el("h1", { text: tr("h1"), tabindex: "-1" }),
    el("p", { class: "lead", text: tr("lead") }),
    notice ? el("div", { id: "notice", tabindex: "-1",
                         role: notice.kind === "error" ? "alert" : "status",
                         class: "panel " + (notice.kind === "error" ? "panel-error" : "panel-info") },
                el("p", { text: notice.text })) : null,
    bookable.length ? el("p", {}, el("button", { type: "button", class: "button", id: "book",
                                                 onclick: openServices, text: tr("book") })) : null,
    upcoming.length ? el("ul", { class: "cards", id: "appointments" }, upcoming.map(appointmentCard))
                    : el("p", { id: "appointments-empty", text: tr("empty") }),
  ];
}

function backButton() {
  return el("p", {}, el("button", { type: "button", class: "link-button back-link", id: "back",
                                     onclick: () => show({ name: "list" }) }, "‹ ", tr("back")));
}

function renderServices() {
  const bookable = services.filter((s) => s.self_bookable);
  return [
    backButton(),
    el("h1", { text: tr("choose.h1"), tabindex: "-1" }),
    el("p", { class: "lead", text: tr("choose.lead") }),
    bookable.length
      ? el("ul", { class: "cards", id: "services" }, bookable.map((service) =>
        el("li", { class: "card service", "data-id": service.service_id },
          el("h2", {}, el("button", { type: "button", class: "card-button",
                                      onclick: () => openSlots(service, null) }, service.title)),
          el("p", { text: tr("kind." + service.kind) + " · "
                          + tr("minutes", { n: service.duration_minutes }) }))))
      : el("p", { text: tr("choose.none") }),
  ];
}

function slotsByDay(slots) {
  const days = new Map();
  for (const slot of slots) {
    const day = isoDay(new Date(slot.starts_at));
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(slot);
  }
  return days;
}

function renderSlots() {
  const { service, moving, slots, chosen, error } = screen;
  const parts = [
    backButton(),
    el("h1", { text: moving ? tr("move.h1") : service.title, tabindex: "-1" }),
    moving ? el("p", { class: "lead", text: tr("move.current", { when: when(moving) }) })
           : el("p", { class: "lead", text: tr("kind." + service.kind) + " · "
                                            + tr("minutes", { n: service.duration_minutes }) }),
  ];
  if (chosen) {
    const needsAddress = !moving && service.kind === "home_visit";
    parts.push(el("div", { class: "panel panel-info confirm", id: "confirm-slot" },
      el("h2", { id: "confirm-h", tabindex: "-1",
                 text: moving ? tr("confirm.move.h") : tr("confirm.h") }),
      el("p", { class: "chosen-time", text: when(chosen) }),
      needsAddress ? el("div", { class: "field" + (screen.addressError ? " field-error" : "") },
        el("label", { class: "label", for: "address", text: tr("confirm.address") }),
        el("p", { class: "help", id: "address-help", text: tr("confirm.address.help") }),
        screen.addressError ? el("p", { class: "msg msg-error", id: "address-msg",
                                        text: tr("confirm.address.missing") }) : null,
        el("input", { type: "text", id: "address", autocomplete: "street-address",
                      value: screen.address || "", "aria-invalid": screen.addressError ? "true" : null,
                      "aria-describedby": "address-help" + (screen.addressError ? " address-msg" : ""),
                      oninput: (e) => { screen.address = e.target.value; } })) : null,
      error ? el("p", { class: "msg msg-error", role: "alert", id: "book-error", text: error }) : null,
      el("div", { class: "button-row" },
        el("button", { type: "button", class: "button", id: "confirm-book", disabled: busy,
                       onclick: submit },
           busy ? tr("working") : (moving ? tr("confirm.move") : tr("confirm.book"))),
        el("button", { type: "button", class: "button secondary", id: "other-time", disabled: busy,
                       onclick: () => { screen.chosen = null; screen.error = null; render(); } },
           tr("confirm.other")))));
    return parts;
  }
  if (error) parts.push(el("p", { class: "msg msg-error", role: "alert", text: error }));
  if (!slots.length) {
    parts.push(el("p", { id: "slots-empty", text: tr("slots.none", { n: DAYS }) }));
    return parts;
  }
  parts.push(el("p", { text: tr("slots.lead", { n: DAYS }) }));
  const days = [];
  const grouped = [...slotsByDay(slots)];
  const shown = screen.daysShown || DAYS_SHOWN;
  for (const [day, daySlots] of grouped.slice(0, shown)) {
    const headingId = "day-" + day;
    days.push(el("section", { class: "slot-day", "aria-labelledby": headingId },
      el("h2", { id: headingId, text: capital(dayName(daySlots[0].starts_at)) }),
      el("ul", { class: "slots" }, daySlots.map((slot) => el("li", {},
        el("button", { type: "button", class: "slot", "data-start": slot.starts_at,
                       onclick: () => choose(slot) },
           clock(slot.starts_at),
           el("span", { class: "visually-hidden",
                        text: ", " + capital(dayName(slot.starts_at)) + ", " + tr("slots.free") })))))));
  }
  parts.push(el("div", { id: "slots" }, days));
  if (grouped.length > shown) {
    parts.push(el("p", {}, el("button", { type: "button", class: "button secondary", id: "more-days",
                                          onclick: () => moreDays(grouped[shown][0]) },
                              tr("slots.more"))));
  }
  return parts;
}

function render() {
  document.title = tr("h1") + " – Selvbetjening";
  translateNav();
  if (screen.name === "services") mount(root, renderServices());
  else if (screen.name === "slots") mount(root, renderSlots());
  else mount(root, renderList());
}

function show(next, focus = "h1") {
  screen = next;
  if (next.name !== "list") notice = null;
  cancelling = null;
  render();
  const target = (focus && document.getElementById(focus)) || root.querySelector("h1");
  if (target) target.focus();
  window.scrollTo(0, 0);
}

function openServices() {
  highlight = null;
  show({ name: "services" });
}

async function openSlots(service, moving) {
  highlight = null;
  const from = new Date();
  const to = new Date(from.getTime() + (DAYS - 1) * 86400000);
  try {
    const { data } = await api("GET", `/api/appointments/services/${encodeURIComponent(service.service_id)}`
                                      + `/slots?from=${isoDay(from)}&to=${isoDay(to)}`);
    let slots = data.slots;
    if (moving) slots = slots.filter((s) => new Date(s.starts_at).getTime()
                                            !== new Date(moving.starts_at).getTime());
    show({ name: "slots", service, moving, slots });
  } catch (error) {
    fail(error);
  }
}

function moreDays(firstNewDay) {
  screen.daysShown = (screen.daysShown || DAYS_SHOWN) + DAYS_SHOWN;
  render();
  const heading = document.getElementById("day-" + firstNewDay);
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

function choose(slot) {
  screen.chosen = slot;
  screen.key = newKey(); // one key per chosen time, kept across retries
  screen.error = null;
  render();
  document.getElementById("confirm-h").focus();
}

async function submit() {
  if (busy) return;
  const { service, moving, chosen } = screen;
  if (!moving && service.kind === "home_visit" && !(screen.address || "").trim()) {
    screen.addressError = true;
    render();
    document.getElementById("address").focus();
    return;
  }
  screen.addressError = false;
  busy = true;
  render();
  try {
    let result;
    if (moving) {
      result = await api("POST", `/api/appointments/appointments/${encodeURIComponent(moving.id)}/move`,
                         { json: { starts_at: chosen.starts_at }, idempotencyKey: screen.key });
    } else {
      const body = { service_id: service.service_id, starts_at: chosen.starts_at };
      if (service.kind === "home_visit") body.address = screen.address.trim();
      result = await api("POST", "/api/appointments/appointments",
                         { json: body, idempotencyKey: screen.key });
    }
    busy = false;
    highlight = result.data.id;
    notice = { kind: "success", text: tr(moving ? "moved.msg" : "booked.msg",
                                         { when: when(result.data, lang() === "en") }) };
    await reload();
    show({ name: "list" }, "notice");
  } catch (error) {
    busy = false;
    if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
    if (error instanceof ApiError && error.status === 0) {
      screen.error = tr("retry"); // the same key: a retry books once
    } else {
      screen.error = error.message;
      if (error.problem.code === "appointment.slot_taken") {
        screen.slots = screen.slots.filter((s) => s !== chosen);
      }
    }
    render();
    const message = document.getElementById("book-error");
    if (message) message.focus();
  }
}

function openCancel(appointment) {
  cancelling = appointment.id;
  notice = null;
  render();
  document.getElementById("cancel-h").focus();
}

async function cancel(appointment) {
  if (busy) return;
  busy = true;
  render();
  try {
    await api("POST", `/api/appointments/appointments/${encodeURIComponent(appointment.id)}/cancellation`,
              { json: {} });
    notice = { kind: "success", text: tr("cancelled.msg", { when: when(appointment, lang() === "en") }) };
    await reload();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
    notice = { kind: "error", text: error.message };
  } finally {
    busy = false;
    cancelling = null;
  }
  show({ name: "list" }, "notice");
}

function fail(error) {
  if (error instanceof ApiError && error.status === 401) return showFatal(root, error);
  notice = { kind: "error", text: error.message };
  show({ name: "list" }, "notice");
}

async function reload() {
  const [list, catalogue] = await Promise.all([api("GET", "/api/appointments/appointments"),
                                               api("GET", "/api/appointments/services")]);
  appointments = list.data.appointments;
  services = catalogue.data.services;
}

async function load() {
  try {
    await requireSession();
    await reload();
    render();
  } catch (error) {
    showFatal(root, error, load);
  }
}

initLanguage(() => appointments && render());
load();
