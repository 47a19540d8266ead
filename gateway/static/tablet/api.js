// The tablet's calls to the gateway, through the shared module's api() and session: refusals
// come back as answers (the outbox records them per item) rather than exceptions; only a lost
// network throws (Offline). A refused CSRF token is fetched again once.
import { ApiError, api, loadSession } from "/static/ui/ui.js";

export const session = { state: "unknown", me: null }; // state: ok | none (401) | unknown (offline)

export class Offline extends Error {}

/** Who is logged in; false when nobody is ("none") or there is no network ("unknown"). */
export async function refreshSession() {
  try {
    const me = await loadSession();
    if (!me) {
      session.state = "none";
      return false;
    }
    Object.assign(session, { state: "ok", me: { subject: me.subject, name: me.name || me.subject } });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 0) session.state = "unknown";
    return false;
  }
}

/** One request: {status, ok, body, etag}. Throws Offline when the network is gone. */
export async function call(method, path, { json, form, key, ifMatch } = {}) {
  const once = () => api(method, path, { json, form: form && form(), etag: ifMatch, idempotencyKey: key });
  for (let attempt = 0; ; attempt += 1) {
    try {
      const answer = await once();
      return { status: answer.status, ok: true, body: answer.data || {}, etag: answer.etag };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 0) {
        session.state = "unknown";
        throw new Offline("offline");
      }
      const problem = error.problem || {};
      if (error.status === 403 && problem.code === "auth.csrf_failed" && attempt === 0
          && (await refreshSession())) continue;
      if (error.status === 401) session.state = "none";
      return { status: error.status, ok: false, body: problem, etag: null };
    }
  }
}

export async function getJson(path) {
  const answer = await call("GET", path);
  if (!answer.ok) throw Object.assign(new Error("http " + answer.status), answer);
  return answer.body;
}
