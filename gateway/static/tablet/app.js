// The staff tablet (medbetjening, docs/tablet.md): today's visits, "Start ansøgning" and
// "Indhent samtykke" for the visit's citizen, and all of it without network. No framework,
// no build step, no innerHTML: elements are built here, the page shell comes from the
// service worker's cache when there is no network.
//
// Offline: every action goes into an outbox in localStorage first (with its Idempotency-Key or
// consent_id and the device's time), and the outbox is sent in order when there is network
// (at once, on the "online" event and on a timer). The session cookie is HttpOnly; the CSRF
// token is fetched from /auth/session before every send, so an old one is never used.
// Texts (keys "tablet.*"), elements and ids come from the shared module static/ui/ui.js.
import { el, newKey as uuid, scoped, txt } from "/static/ui/ui.js";

const tabletText = scoped("tablet.");

(function () {
  const KEYS = {
    lang: "sb_lang", device: "sb_tablet_device", outbox: "sb_tablet_outbox",
    me: "sb_tablet_me", route: "sb_tablet_route", purposes: "sb_tablet_purposes",
    types: "sb_tablet_types",
  };
  const LOGIN_URL = "/auth/login?channel=tablet&next=/tablet/";
  const RETRY_MS = 15000;

  // -- storage -------------------------------------------------------------------------------
  function load(key, fallback) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (error) {
      return fallback;
    }
  }
  function save(key, value) {
    localStorage.setItem(key, JSON.stringify(value));
  }
  function deviceId() {
    let id = localStorage.getItem(KEYS.device);
    if (!id) {
      id = "tablet-" + uuid();
      localStorage.setItem(KEYS.device, id);
    }
    return id;
  }

  // -- state ---------------------------------------------------------------------------------
  const state = {
    lang: localStorage.getItem(KEYS.lang) === "en" ? "en" : "da",
    me: load(KEYS.me, null), // {subject, name}: who was last logged in on this tablet
    csrf: null,
    session: "unknown", // "ok" | "none" (401) | "unknown" (no network)
    route: load(KEYS.route, null), // {date, fetched_at, staff, visits}
    purposes: load(KEYS.purposes, []),
    types: load(KEYS.types, []),
    outbox: load(KEYS.outbox, []),
    sending: false,
    view: { name: "route" },
    notice: null, // {kind, text} shown once on the route view
  };

  // -- texts and formats ---------------------------------------------------------------------
  function t(key, vars) {
    return tabletText(key, vars, state.lang);
  }
  function pick(pair) {
    return txt(pair, state.lang);
  }
  const ZONE = "Europe/Copenhagen";
  function locale() {
    return state.lang === "en" ? "en-GB" : "da-DK";
  }
  function clock(iso) {
    return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", timeZone: ZONE })
      .format(new Date(iso));
  }
  function longDate(day) {
    return new Intl.DateTimeFormat(locale(), {
      weekday: "long", day: "numeric", month: "long", timeZone: "UTC",
    }).format(new Date(day + "T12:00:00Z"));
  }
  function today() {
    // The local date in Copenhagen as YYYY-MM-DD (sv-SE formats dates that way).
    return new Intl.DateTimeFormat("sv-SE", { timeZone: ZONE }).format(new Date());
  }

  const main = document.getElementById("indhold");
  function show(...nodes) {
    main.replaceChildren(...nodes);
  }

  // -- network -------------------------------------------------------------------------------
  function headers(extra) {
    return Object.assign({ Accept: "application/json", "Accept-Language": state.lang }, extra);
  }
  async function getJson(path) {
    const response = await fetch(path, { credentials: "same-origin", headers: headers() });
    if (response.status === 401) {
      state.session = "none";
      throw Object.assign(new Error("unauthenticated"), { status: 401 });
    }
    if (!response.ok) throw Object.assign(new Error("http " + response.status), { status: response.status });
    return response.json();
  }

  async function refreshSession() {
    try {
      const response = await fetch("/auth/session", { credentials: "same-origin", headers: headers() });
      if (response.status === 401) {
        state.session = "none";
        state.csrf = null;
        return false;
      }
      if (!response.ok) return false;
      const me = await response.json();
      state.session = "ok";
      state.csrf = me.csrf_token;
      if (!state.me || state.me.subject !== me.subject) {
        // Another staff member: their cached visits are not this one's.
        state.route = null;
        localStorage.removeItem(KEYS.route);
      }
      state.me = { subject: me.subject, name: me.name || me.subject };
      save(KEYS.me, state.me);
      return true;
    } catch (error) {
      state.session = "unknown"; // no network
      return false;
    }
  }

  async function refreshData() {
    if (state.session !== "ok") return;
    try {
      const route = await getJson("/api/appointments/route");
      state.route = { date: route.date, fetched_at: new Date().toISOString(),
                      staff: route.staff_id, visits: route.visits };
      save(KEYS.route, state.route);
    } catch (error) { /* keep what is cached */ }
    try {
      const purposes = await getJson("/api/consents/purposes");
      state.purposes = purposes.purposes;
      save(KEYS.purposes, state.purposes);
    } catch (error) { /* keep what is cached */ }
    try {
      const types = await getJson("/api/applications/types");
      state.types = (Array.isArray(types) ? types : types.types || []).map((type) => ({
        id: type.id, title: type.title }));
      save(KEYS.types, state.types);
    } catch (error) { /* keep what is cached */ }
  }

  // -- the outbox ----------------------------------------------------------------------------
  function saveOutbox() {
    save(KEYS.outbox, state.outbox);
  }
  function pending() {
    return state.outbox.filter((item) => item.state === "waiting" || item.state === "sending");
  }
  function enqueue(item) {
    state.outbox.push(Object.assign({ id: uuid(), state: "waiting", created_at: new Date().toISOString(),
                                      staff: state.me && state.me.subject }, item));
    saveOutbox();
    renderBar();
    flush();
  }

  let retryTimer = null;
  function scheduleRetry() {
    if (retryTimer === null && pending().length) {
      retryTimer = setTimeout(() => { retryTimer = null; flush(); }, RETRY_MS);
    }
  }

  async function send(item) {
    const extra = { "Content-Type": "application/json", "X-CSRF-Token": state.csrf || "" };
    if (item.idempotency_key) extra["Idempotency-Key"] = item.idempotency_key;
    return fetch(item.path, { method: "POST", credentials: "same-origin", headers: headers(extra),
                              body: JSON.stringify(item.body) });
  }

  async function flush() {
    if (state.sending || !pending().length) return;
    state.sending = true;
    try {
      if (!(await refreshSession())) return; // offline, or the session has ended: keep it all
      for (const item of state.outbox) {
        if (item.state !== "waiting" && item.state !== "sending") continue;
        if (item.staff && item.staff !== state.me.subject) continue; // attested by someone else
        item.state = "sending";
        renderOutbox();
        let response;
        try {
          response = await send(item);
          if (response.status === 403) {
            const problem = await response.clone().json().catch(() => ({}));
            if (problem.code === "auth.csrf_failed" && (await refreshSession())) response = await send(item);
          }
        } catch (error) {
          item.state = "waiting"; // the network went away
          state.session = "unknown";
          return;
        }
        if (response.status === 401) {
          item.state = "waiting";
          state.session = "none";
          return;
        }
        if (response.status === 429 || response.status >= 500) {
          item.state = "waiting"; // try again later, in the same order
          return;
        }
        const answer = await response.json().catch(() => ({}));
        item.sent_at = new Date().toISOString();
        if (response.ok) {
          item.result = { id: answer.id, status: answer.status, superseded_by: answer.superseded_by || null,
                          warnings: answer.warnings || [], given_at: answer.given_at || null };
          item.state = item.kind === "consent" && answer.status === "superseded" ? "superseded" : "sent";
        } else {
          item.state = "refused";
          item.result = { status: response.status, code: answer.code || null,
                          title: answer.title || null, detail: answer.detail || null };
        }
        saveOutbox();
        renderOutbox();
      }
    } finally {
      state.sending = false;
      saveOutbox();
      refresh();
      scheduleRetry();
    }
  }

  // -- the header: network, outbox, language, logout ---------------------------------------
  function renderBar() {
    document.documentElement.lang = state.lang;
    const online = navigator.onLine && state.session !== "unknown";
    const net = document.getElementById("net");
    net.textContent = online ? t("net.online") : t("net.offline");
    net.className = "pill " + (online ? "pill-online" : "pill-offline");
    const queue = document.getElementById("queue");
    const n = pending().length;
    const problems = state.outbox.filter((item) => (item.state === "superseded" || item.state === "refused") && !item.seen).length;
    if (n) {
      queue.textContent = state.session === "none" ? t("queue.login", { n })
        : state.sending ? t("queue.sending", { n }) : t("queue.waiting", { n });
      queue.className = "pill " + (state.session === "none" ? "pill-problem" : "pill-waiting");
    } else {
      queue.textContent = problems ? t("queue.attention", { n: problems }) : state.outbox.length ? t("queue.empty") : "";
      queue.className = "pill " + (problems ? "pill-problem" : "pill-online");
    }
    document.getElementById("who").textContent = state.me ? "· " + state.me.name : "";
    const langButton = document.getElementById("lang");
    langButton.textContent = t("lang.switch");
    langButton.lang = state.lang === "da" ? "en" : "da";
    const logout = document.getElementById("logout");
    logout.textContent = t("logout");
    logout.hidden = state.session !== "ok";

    const banner = document.getElementById("banner");
    const others = pending().filter((item) => item.staff && state.me && item.staff !== state.me.subject);
    banner.className = "banner";
    if (state.session === "none" && state.me) {
      banner.className = "banner banner-error";
      banner.replaceChildren(t("banner.login"), " ",
        el("a", { class: "button button-secondary", href: LOGIN_URL, id: "login-again" }, t("banner.login.button")));
      banner.hidden = false;
    } else if (!online && state.route) {
      banner.replaceChildren(t("banner.offline", { time: clock(state.route.fetched_at) }));
      banner.hidden = false;
    } else if (others.length) {
      banner.replaceChildren(t("banner.otherstaff", { who: others[0].staff }));
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
  }

  // -- views ---------------------------------------------------------------------------------
  function visitById(id) {
    return ((state.route && state.route.visits) || []).find((visit) => visit.appointment_id === id);
  }

  function stateLabel(item) {
    return t("state." + item.state);
  }

  function outboxItem(item) {
    const details = [];
    if (item.state === "sent" && item.kind === "consent") {
      details.push(t("sent.consent", { time: clock(item.body.given_at) }));
    } else if (item.state === "sent") {
      details.push(t("sent.application"));
    } else if (item.state === "superseded") {
      const warning = (item.result.warnings || []).find((w) => w.code === "consent.superseded_on_arrival");
      details.push(warning ? pick(warning) : t("superseded.default"));
      const by = item.result.superseded_by;
      if (by) details.push(t("superseded.by", { kind: t("superseded.kind." + by.kind), time: clock(by.at) }));
    } else if (item.state === "refused") {
      details.push([item.result.title, item.result.detail].filter(Boolean).join(": ") || t("refused.default"));
    }
    return el("li", { class: "item-" + item.state, "data-kind": item.kind, "data-state": item.state },
      el("span", null, el("strong", null, t("outbox." + item.kind, { title: pick(item.title) })),
        " · ", t("outbox.made", { time: clock(item.created_at) })),
      el("span", { class: "state" }, stateLabel(item)),
      details.map((text) => el("p", { class: "detail" }, text)));
  }

  function outboxSection() {
    const items = state.outbox.slice(-30);
    return el("section", { "aria-labelledby": "outbox-h" },
      el("h2", { id: "outbox-h" }, t("outbox.h2")),
      el("p", { class: "lead" }, t("outbox.lead")),
      items.length ? el("ul", { class: "outbox", id: "outbox" }, items.map(outboxItem))
        : el("p", { id: "outbox" }, t("outbox.none")));
  }
  function renderOutbox() {
    renderBar();
    const list = document.getElementById("outbox");
    if (list && state.view.name === "route") list.parentNode.replaceWith(outboxSection());
  }

  function visitCard(visit) {
    const mine = state.outbox.filter((item) => item.appointment_id === visit.appointment_id);
    const closed = visit.status === "cancelled" || visit.status === "no_show";
    return el("li", {
      class: "visit" + (visit.status === "completed" ? " visit-done" : "") + (closed ? " visit-cancelled" : ""),
      "data-appointment": visit.appointment_id,
    },
    el("div", { class: "visit-head" },
      el("span", { class: "visit-time" }, clock(visit.starts_at), "–", clock(visit.ends_at)),
      el("span", { class: "tag" }, t("visit.kind." + visit.kind)),
      el("span", { class: "tag" }, t("visit.status." + visit.status))),
    el("h3", { class: "visit-address" }, visit.address || visit.location || ""),
    visit.note ? el("p", { class: "visit-meta" }, visit.note) : null,
    visit.tasks && visit.tasks.length
      ? el("ul", { class: "tasks", "aria-label": t("visit.tasks") }, visit.tasks.map((task) => el("li", null, task)))
      : null,
    mine.length ? el("ul", { class: "visit-actions" }, mine.map((item) => el("li", { class: "item-" + item.state },
      t("visit.kind." + item.kind), ": ", pick(item.title), " – ", el("strong", null, stateLabel(item))))) : null,
    closed ? null : el("div", { class: "actions" },
      el("button", { type: "button", class: "button-big apply",
                     onclick: () => go({ name: "apply", visit: visit.appointment_id }) }, t("visit.apply")),
      el("button", { type: "button", class: "button-big button-secondary consent",
                     onclick: () => go({ name: "consent", visit: visit.appointment_id }) }, t("visit.consent"))));
  }

  // A "saved on the tablet" notice is true only while its action has not been sent.
  function currentNotice() {
    const notice = state.notice;
    if (!notice) return null;
    const item = notice.item && state.outbox.find((candidate) => candidate.id === notice.item);
    if (notice.item && (!item || item.state !== "waiting")) state.notice = null;
    return state.notice;
  }

  // Superseded consents and refused actions stay at the top until the staff member has seen
  // them: a consent that is not in force must not go unnoticed.
  function attentionSection() {
    const items = state.outbox.filter((item) => (item.state === "superseded" || item.state === "refused") && !item.seen);
    if (!items.length) return null;
    return el("section", { class: "panel panel-error", id: "attention", role: "alert", "aria-labelledby": "attention-h" },
      el("h2", { id: "attention-h" }, t("attention.h2")),
      el("ul", { class: "outbox" }, items.map((item) => {
        const node = outboxItem(item);
        node.append(el("button", { type: "button", class: "button-quiet seen",
                                   onclick: () => { item.seen = true; saveOutbox(); render(); } }, t("attention.ok")));
        return node;
      })));
  }

  function routeView() {
    if (!state.route) {
      const offline = state.session === "unknown";
      return [
        el("h1", { tabindex: "-1" }, t("login.h1")),
        el("p", { class: "lead" }, offline ? t("login.offline") : t("login.lead")),
        offline ? null : el("p", null, el("a", { class: "button button-big", href: LOGIN_URL, id: "login" }, t("login.button"))),
        state.outbox.length ? outboxSection() : null,
      ];
    }
    const visits = state.route.visits.slice().sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
    return [
      el("h1", { tabindex: "-1" }, t("route.h1")),
      el("p", { class: "lead" }, longDate(state.route.date), " · ", t("route.updated", { time: clock(state.route.fetched_at) })),
      state.route.date !== today() ? el("div", { class: "panel panel-warning" }, el("p", null, t("route.stale", { date: longDate(state.route.date) }))) : null,
      attentionSection(),
      currentNotice() ? el("div", { class: "panel panel-" + state.notice.kind, role: "status", id: "notice" }, el("p", null, state.notice.text)) : null,
      visits.length ? el("ol", { class: "visits", id: "visits" }, visits.map(visitCard)) : el("p", null, t("route.none")),
      state.session === "ok" ? el("div", { class: "actions" },
        el("button", { type: "button", class: "button-quiet", id: "refresh",
                       onclick: async () => { await refreshData(); render(); } }, t("route.refresh"))) : null,
      outboxSection(),
    ];
  }

  function backButton() {
    return el("p", null, el("button", { type: "button", class: "button-quiet back", onclick: () => go({ name: "route" }) },
      "← ", t("back")));
  }

  function consentView(view) {
    const visit = visitById(view.visit);
    if (!visit) return routeView();
    const purposes = state.purposes || [];
    if (!purposes.length) {
      return [backButton(), el("h1", { tabindex: "-1" }, t("consent.h1")),
        el("div", { class: "panel panel-warning" }, el("p", null, t("consent.nopurposes")))];
    }
    view.purpose = view.purpose || purposes[0].code;
    view.textLang = view.textLang || state.lang;
    const purpose = purposes.find((p) => p.code === view.purpose) || purposes[0];
    const wording = purpose.texts.find((text) => text.version === purpose.current_version) || purpose.texts[purpose.texts.length - 1];
    const lang = view.textLang;
    const title = lang === "en" ? purpose.title_en : purpose.title_da;
    const parts = [backButton(),
      el("h1", { tabindex: "-1" }, t("consent.h1")),
      el("p", { class: "lead" }, t("consent.for", { address: visit.address || visit.location || "" }))];
    if (!view.givenAt) {
      parts.push(el("fieldset", null, el("legend", null, t("consent.purpose")),
        purposes.map((p) => el("label", { class: "choice" },
          el("input", { type: "radio", name: "purpose", value: p.code, checked: p.code === purpose.code,
                        onchange: () => { view.purpose = p.code; render(); } }),
          state.lang === "en" ? p.title_en : p.title_da))));
    }
    parts.push(
      el("h2", null, t("consent.read")),
      el("div", { class: "consent-text", lang, id: "consent-text" },
        el("p", null, el("strong", null, title)),
        el("p", null, lang === "en" ? wording.en : wording.da),
        el("p", { class: "consent-if-no" }, lang === "en" ? wording.if_no_en : wording.if_no_da),
        el("p", { class: "small" }, (lang === "en" ? "Text version " : "Tekst version ") + wording.version + ".")));
    if (!view.givenAt) {
      parts.push(el("div", { class: "actions" },
        el("button", { type: "button", class: "button-big", id: "citizen-yes", lang,
                       onclick: () => { view.givenAt = new Date().toISOString(); render(); } },
          tabletText("consent.yes", {}, lang)),
        el("button", { type: "button", class: "button-quiet", id: "show-other", lang: lang === "en" ? "da" : "en",
                       onclick: () => { view.textLang = lang === "en" ? "da" : "en"; render(); } },
          tabletText("consent.showother", {}, lang)),
        el("button", { type: "button", class: "button-big button-danger", id: "citizen-no",
                       onclick: () => { state.notice = { kind: "info", text: t("consent.declined") }; go({ name: "route" }); } },
          t("consent.no"))));
      return parts;
    }
    const attest = el("input", { type: "checkbox", id: "attest", "aria-describedby": "attest-msg" });
    const message = el("p", { id: "attest-msg", class: "small", hidden: true }, t("consent.attest.missing"));
    parts.push(
      el("div", { class: "panel panel-ok", role: "status" }, el("p", null, t("consent.given", { time: clock(view.givenAt) }))),
      el("label", { class: "choice", for: "attest" }, attest, t("consent.attest")),
      message,
      el("div", { class: "actions" },
        el("button", { type: "button", class: "button-big", id: "save-consent", onclick: (event) => {
          if (!attest.checked) {
            message.hidden = false;
            attest.focus();
            return;
          }
          event.currentTarget.disabled = true;
          enqueue({
            kind: "consent", citizen_id: visit.citizen_id, appointment_id: visit.appointment_id,
            title: { da: purpose.title_da, en: purpose.title_en },
            path: "/api/consents/consents",
            body: {
              consent_id: uuid(), citizen_id: visit.citizen_id, purpose: purpose.code,
              text_version: wording.version, language: lang,
              data_categories: purpose.data_categories, sources: purpose.sources,
              recipients: purpose.recipients, channel: "tablet", device_id: deviceId(),
              given_at: view.givenAt,
            },
          });
          state.notice = { kind: "ok", text: t("consent.saved"), item: state.outbox[state.outbox.length - 1].id };
          go({ name: "route" });
        } }, t("consent.save"))));
    return parts;
  }

  function applyView(view) {
    const visit = visitById(view.visit);
    if (!visit) return routeView();
    const types = state.types || [];
    const parts = [backButton(), el("h1", { tabindex: "-1" }, t("apply.h1")),
      el("p", { class: "lead" }, t("apply.for", { address: visit.address || visit.location || "" }))];
    if (!types.length) {
      parts.push(el("div", { class: "panel panel-warning" }, el("p", null, t("apply.notypes"))));
      return parts;
    }
    view.type = view.type || types[0].id;
    parts.push(el("fieldset", null, el("legend", null, t("apply.type")),
      types.map((type) => el("label", { class: "choice" },
        el("input", { type: "radio", name: "type", value: type.id, checked: type.id === view.type,
                      onchange: () => { view.type = type.id; } }),
        pick(type.title)))));
    parts.push(el("div", { class: "actions" },
      el("button", { type: "button", class: "button-big", id: "start-application", onclick: (event) => {
        event.currentTarget.disabled = true; // a double tap makes one draft
        const type = types.find((candidate) => candidate.id === view.type) || types[0];
        enqueue({
          kind: "application", citizen_id: visit.citizen_id, appointment_id: visit.appointment_id,
          title: type.title, path: "/api/applications", idempotency_key: uuid(),
          body: { type: type.id, citizen_id: visit.citizen_id },
        });
        state.notice = { kind: "ok", text: t("apply.saved"), item: state.outbox[state.outbox.length - 1].id };
        go({ name: "route" });
      } }, t("apply.start"))));
    return parts;
  }

  function render() {
    renderBar();
    const view = state.view;
    const nodes = view.name === "consent" ? consentView(view)
      : view.name === "apply" ? applyView(view) : routeView();
    show(...nodes.flat().filter(Boolean));
  }

  // Redraws what changed in the background (network, outbox) without disturbing a form the
  // staff member and the citizen are filling in.
  function refresh() {
    if (state.view.name === "route") render();
    else renderBar();
  }

  function go(view) {
    if (view.name !== "route") state.notice = null;
    state.view = view;
    render();
    const heading = main.querySelector("h1");
    if (heading) heading.focus();
    window.scrollTo(0, 0);
  }

  // -- start ---------------------------------------------------------------------------------
  document.getElementById("lang").addEventListener("click", () => {
    state.lang = state.lang === "da" ? "en" : "da";
    localStorage.setItem(KEYS.lang, state.lang);
    render();
  });
  document.getElementById("logout").addEventListener("click", async () => {
    const n = pending().length;
    if (n && !window.confirm(t("logout.pending", { n }))) return;
    await refreshSession();
    const response = await fetch("/auth/logout", {
      method: "POST", credentials: "same-origin", headers: headers({ "X-CSRF-Token": state.csrf || "" }),
    }).catch(() => null);
    // Personal data leaves the tablet with the staff member; unsent actions stay for them.
    for (const key of [KEYS.route, KEYS.me]) localStorage.removeItem(key);
    state.outbox = state.outbox.filter((item) => item.state === "waiting" || item.state === "sending");
    saveOutbox();
    const result = response && response.ok ? await response.json() : {};
    window.location.href = result.provider_logout_url || "/tablet/";
  });
  window.addEventListener("online", async () => {
    await refreshSession();
    await refreshData();
    refresh();
    flush();
  });
  window.addEventListener("offline", () => { state.session = "unknown"; refresh(); });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) flush(); });

  async function start() {
    render();
    await refreshSession();
    await refreshData();
    render();
    flush();
  }
  start();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/tablet/sw.js", { scope: "/tablet/" }).catch(() => undefined);
  }
})();
