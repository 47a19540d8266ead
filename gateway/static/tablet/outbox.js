// The outbox: every action is kept (encrypted) on the tablet first and sent in the order it was
// made, one at a time, when there is network. Each item has a sync state the staff member sees:
// waiting (on the tablet), sending, sent, refused (with the server's reason), superseded (a
// consent overtaken meanwhile) or conflict (a draft changed elsewhere: they choose).
//
// Exactly once: a consent carries its own id, a new draft and a submission an Idempotency-Key
// made when the action was taken, saving answers carries If-Match, an attachment is looked for
// among the application's documents before it is sent again, and a visit already closed the
// same way counts as sent. Each step's progress is saved at once, so a reload in the middle
// goes on from where it was.
import { newKey } from "/static/ui/ui.js";
import { call, Offline, refreshSession, session } from "./api.js";
import * as vault from "./vault.js";

const RETRY_MS = 15000;
export const ACTIVE = ["waiting", "sending"];

export const box = { items: [], sending: false, onChange: () => {}, onSent: () => {} };

export async function load() {
  box.items = await vault.get("outbox", []);
  for (const item of box.items) if (item.state === "sending") item.state = "waiting";
}
export async function save() {
  await vault.put("outbox", box.items);
}
export function pending() {
  return box.items.filter((item) => ACTIVE.includes(item.state));
}
export async function enqueue(item) {
  box.items.push({ id: newKey(), state: "waiting", created_at: new Date().toISOString(),
                   staff: session.me && session.me.subject, ...item });
  await save();
  box.onChange();
  flush();
}

let retryTimer = null;
function scheduleRetry() {
  if (retryTimer === null && pending().length) {
    retryTimer = setTimeout(() => { retryTimer = null; flush(); }, RETRY_MS);
  }
}

class Stop extends Error {} // leave the rest for later (network, session, server trouble)

function refused(item, answer) {
  item.state = "refused";
  const findings = (answer.body.findings || []).map((f) => f.message);
  item.result = { status: answer.status, code: answer.body.code || null, title: answer.body.title || null,
                  detail: answer.body.detail || null, findings };
}

function check(answer) {
  if (answer.status === 401 || answer.status === 429 || answer.status >= 500) throw new Stop();
  return answer;
}

const senders = {
  async consent(item) {
    const answer = check(await call("POST", "/api/consents/consents", { json: item.body }));
    if (!answer.ok) return refused(item, answer);
    const body = answer.body;
    item.result = { id: body.id, status: body.status, superseded_by: body.superseded_by || null,
                    warnings: body.warnings || [], given_at: body.given_at || null };
    item.state = body.status === "superseded" ? "superseded" : "sent";
  },

  async visit(item) {
    const path = `/api/appointments/appointments/${encodeURIComponent(item.appointment_id)}/`
      + (item.outcome === "done" ? "completion" : "no-show");
    const answer = check(await call("POST", path, { json: item.note ? { note: item.note } : {} }));
    if (answer.ok) {
      item.state = "sent";
      return;
    }
    if (answer.status === 409) { // sent before and the answer was lost? then it is already so
      const now = check(await call("GET", `/api/appointments/appointments/${encodeURIComponent(item.appointment_id)}`));
      if (now.ok && now.body.status === (item.outcome === "done" ? "completed" : "no_show")) {
        item.state = "sent";
        return;
      }
    }
    refused(item, answer);
  },

  async application(item) {
    const base = "/api/applications";
    if (!item.app_id) {
      const answer = check(await call("POST", base, {
        json: { type: item.type, citizen_id: item.citizen_id, answers: item.answers }, key: item.create_key }));
      if (!answer.ok) return refused(item, answer);
      Object.assign(item, { app_id: answer.body.id, version: answer.body.version, answers_saved: true });
      await save();
    } else if (!item.answers_saved) {
      const path = `${base}/${encodeURIComponent(item.app_id)}/answers`;
      const answer = check(await call("PATCH", path, { json: { answers: item.answers },
                                                       ifMatch: `"v${item.version}"` }));
      if (answer.status === 412) { // changed elsewhere since it was fetched: show, never overwrite
        const now = check(await call("GET", `${base}/${encodeURIComponent(item.app_id)}`));
        item.state = "conflict";
        item.theirs = now.ok ? { version: now.body.version, answers: now.body.answers,
                                 updated_at: now.body.updated_at } : null;
        return;
      }
      if (!answer.ok) return refused(item, answer);
      Object.assign(item, { version: answer.body.version, answers_saved: true });
      await save();
    }
    const waiting = (item.files || []).filter((file) => !file.sent);
    if (waiting.length) {
      const docs = check(await call("GET", `${base}/${encodeURIComponent(item.app_id)}/documents`));
      for (const file of waiting) {
        const there = docs.ok && docs.body.find((d) => d.requirement_id === file.requirement
          && d.filename === file.name && d.size === file.size);
        if (!there) {
          const bytes = await vault.get("file:" + file.file_id);
          const answer = check(await call("POST", `${base}/${encodeURIComponent(item.app_id)}/attachments`, {
            form: () => {
              const form = new FormData();
              form.append("requirement", file.requirement);
              form.append("title", file.title);
              form.append("file", new Blob([bytes], { type: file.type }), file.name);
              return form;
            },
          }));
          if (!answer.ok) return refused(item, answer);
        }
        file.sent = true;
        await save();
        box.onChange();
      }
    }
    if (item.mode === "submit") {
      const answer = check(await call("POST", `${base}/${encodeURIComponent(item.app_id)}/submit`, {
        json: { citizen_confirmed_at: item.citizen_confirmed_at }, key: item.submit_key }));
      if (!answer.ok) return refused(item, answer);
      item.result = { case_number: answer.body.case_number, state: answer.body.state };
    }
    item.state = "sent";
    for (const file of item.files || []) await vault.remove("file:" + file.file_id);
  },
};

/** Send what waits, in order. Stops at the first sign of no network or no session. */
export async function flush() {
  if (box.sending || !pending().length) return;
  box.sending = true;
  let sent = 0;
  try {
    if (!(await refreshSession())) return;
    for (const item of box.items) {
      if (!ACTIVE.includes(item.state)) continue;
      if (item.staff && item.staff !== session.me.subject) continue; // another's attestation
      item.state = "sending";
      box.onChange();
      try {
        await senders[item.kind](item);
        item.sent_at = new Date().toISOString();
        sent += 1;
      } catch (error) {
        item.state = "waiting";
        if (error instanceof Stop || error instanceof Offline) return;
        throw error;
      } finally {
        await save();
        box.onChange();
      }
    }
  } finally {
    box.sending = false;
    box.onChange();
    scheduleRetry();
    if (sent) box.onSent(); // the route and the citizens' pages as the server now has them
  }
}

/** A conflict resolved: "mine" puts the tablet's answers on the newest version; "theirs"
 *  keeps the draft as it is now and sends only the attachments (never the submission). */
export async function resolve(item, choice) {
  if (choice === "mine") {
    item.version = item.theirs.version;
  } else {
    Object.assign(item, { answers_saved: true, mode: "draft", kept_theirs: true });
  }
  item.state = "waiting";
  delete item.theirs;
  await save();
  box.onChange();
  flush();
}
