// What the tablet keeps for today's route, all in the encrypted vault: the route, each route
// citizen's visit page (who, open applications, consents, coming visits), the consent texts and
// the application types with their forms and guidance rules. Only today's: a citizen's page from
// another day is dropped on load, and everything goes at logout, idle expiry or another login.
import { getJson, session } from "./api.js";
import { localDay } from "./texts.js";
import * as vault from "./vault.js";

export const data = { me: null, route: null, purposes: [], types: [], defs: {}, citizens: {} };

/** The tablet's clock; tests may inject one (window.SB_TABLET_CLOCK) to move time. */
export function now() {
  return typeof window.SB_TABLET_CLOCK === "function" ? window.SB_TABLET_CLOCK() : Date.now();
}
export const today = () => localDay(now());

export async function load() {
  for (const name of ["me", "route", "purposes", "types", "defs", "citizens"]) {
    const value = await vault.get(name);
    if (value !== null) data[name] = value;
  }
  for (const [id, page] of Object.entries(data.citizens)) {
    if (page.date !== today()) delete data.citizens[id]; // cached for the day, never more
  }
}

export async function rememberMe() {
  data.me = session.me;
  await vault.put("me", data.me);
}

// Bumped by a wipe: an answer still on its way when the day was wiped is not kept.
let generation = 0;

/** Drop the day from memory (the vault is wiped by the caller). */
export function forget() {
  generation += 1;
  Object.assign(data, { me: null, route: null, citizens: {} });
}

async function keep(name, fetcher) {
  const mine = generation;
  try {
    const value = await fetcher();
    if (mine !== generation) return;
    data[name] = value;
    await vault.put(name, value);
  } catch (_error) { /* keep what is on the tablet */ }
}

/** Fetch today's route and what its visits need, while there is network. */
export async function refresh() {
  if (session.state !== "ok") return;
  await keep("route", async () => {
    const route = await getJson("/api/appointments/route");
    return { date: route.date, fetched_at: new Date(now()).toISOString(), staff: route.staff_id,
             visits: route.visits };
  });
  await keep("purposes", async () => (await getJson("/api/consents/purposes")).purposes);
  await keep("types", async () => (await getJson("/api/applications/types"))
    .map((type) => ({ id: type.id, title: type.title })));
  await keep("defs", async () => {
    const defs = {};
    for (const type of data.types) {
      defs[type.id] = await getJson(`/api/applications/types/${encodeURIComponent(type.id)}`);
    }
    return defs;
  });
  await keep("citizens", async () => {
    const pages = {};
    const ids = [...new Set((data.route ? data.route.visits : []).map((v) => v.citizen_id))];
    for (const id of ids) pages[id] = await citizenPage(id);
    return pages;
  });
}

async function citizenPage(id) {
  const q = "?citizen_id=" + encodeURIComponent(id);
  const [applications, consents, appointments] = await Promise.all([
    getJson("/api/applications" + q),
    getJson("/api/consents/consents" + q).catch(() => ({ consents: [] })),
    getJson("/api/appointments/appointments" + q).catch(() => ({ appointments: [] })),
  ]);
  return {
    date: today(), fetched_at: new Date(now()).toISOString(),
    applications: applications.filter((a) => !["closed", "withdrawn"].includes(a.state)),
    consents: (consents.consents || []).filter((c) => c.status === "active"),
    appointments: (appointments.appointments || []).filter(
      (a) => Date.parse(a.starts_at) > now() && ["booked", "rescheduled"].includes(a.status)),
  };
}

export function visitById(id) {
  return ((data.route && data.route.visits) || []).find((visit) => visit.appointment_id === id);
}
