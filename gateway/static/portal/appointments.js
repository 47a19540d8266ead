// /aftaler/: my upcoming appointments, moving and cancelling them within the rules, and
// booking a free time of a service citizens may book themselves.
import {
  ApiError, api, el, forCitizen, initLanguage, lang, mount, newKey, requireSession, scoped, showFatal,
} from "/static/ui/ui.js";

const tr = scoped("appointments.");

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

function where(appointment) {
  if (appointment.kind === "home_visit") return tr("where.home");
  if (appointment.kind === "video_visit" && appointment.video_url) {
    // The call page (static/video/): logged in, no join link needed (docs/video.md).
    return el("a", { href: "/video/" + appointment.id + "/", class: "video-link",
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
    actions = el("div", { class: "alert alert-warning confirm", role: "group",
                          "aria-labelledby": "cancel-h" },
      el("h3", { id: "cancel-h", tabindex: "-1", text: tr("cancel.h") }),
      el("p", { text: tr("cancel.text", { when: when(appointment) }) }),
      el("div", { class: "button-row" },
        el("button", { type: "button", class: "button button-primary button-danger", id: "confirm-cancel",
                       disabled: busy, onclick: () => cancel(appointment) },
           busy ? tr("working") : tr("cancel.yes")),
        el("button", { type: "button", class: "button button-secondary", id: "keep",
                       disabled: busy, onclick: () => { cancelling = null; render(); } },
           tr("cancel.no"))));
  } else if (changeable) {
    const hidden = el("span", { class: "sr-only", text: " – " + when(appointment) });
    actions = [
      el("p", { class: "small change-until", text: tr("change.until", {
        time: moment(appointment.citizen_may_change_until, lang() === "en") }) }),
      el("div", { class: "button-row" },
        service ? el("button", { type: "button", class: "button button-secondary move",
                                 onclick: () => openSlots(service, appointment) },
                     tr("move"), hidden.cloneNode(true)) : null,
        el("button", { type: "button", class: "button button-secondary cancel",
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
                         class: "alert " + (notice.kind === "error" ? "alert-error" : "alert-info") },
                el("p", { text: notice.text })) : null,
    bookable.length ? el("p", {}, el("button", { type: "button", class: "button button-primary", id: "book",
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
    parts.push(el("div", { class: "alert alert-info confirm", id: "confirm-slot" },
      el("h2", { id: "confirm-h", tabindex: "-1",
                 text: moving ? tr("confirm.move.h") : tr("confirm.h") }),
      el("p", { class: "chosen-time", text: when(chosen) }),
      needsAddress ? el("div", { class: "field" + (screen.addressError ? " field-error" : "") },
        el("label", { class: "form-label", for: "address", text: tr("confirm.address") }),
        el("p", { class: "form-hint", id: "address-help", text: tr("confirm.address.help") }),
        screen.addressError ? el("p", { class: "msg msg-error", id: "address-msg",
                                        text: tr("confirm.address.missing") }) : null,
        el("input", { type: "text", id: "address", class: "form-input", autocomplete: "street-address",
                      value: screen.address || "", "aria-invalid": screen.addressError ? "true" : null,
                      "aria-describedby": "address-help" + (screen.addressError ? " address-msg" : ""),
                      oninput: (e) => { screen.address = e.target.value; } })) : null,
      error ? el("p", { class: "msg msg-error", role: "alert", id: "book-error", text: error }) : null,
      el("div", { class: "button-row" },
        el("button", { type: "button", class: "button button-primary", id: "confirm-book", disabled: busy,
                       onclick: submit },
           busy ? tr("working") : (moving ? tr("confirm.move") : tr("confirm.book"))),
        el("button", { type: "button", class: "button button-secondary", id: "other-time", disabled: busy,
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
           el("span", { class: "sr-only",
                        text: ", " + capital(dayName(slot.starts_at)) + ", " + tr("slots.free") })))))));
  }
  parts.push(el("div", { id: "slots" }, days));
  if (grouped.length > shown) {
    parts.push(el("p", {}, el("button", { type: "button", class: "button button-secondary", id: "more-days",
                                          onclick: () => moreDays(grouped[shown][0]) },
                              tr("slots.more"))));
  }
  return parts;
}

function render() {
  document.title = tr("h1") + " – Selvbetjening";
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
  const [list, catalogue] = await Promise.all([api("GET", forCitizen("/api/appointments/appointments")),
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
