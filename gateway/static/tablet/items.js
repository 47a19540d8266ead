// How an outbox item looks: what it is, when it was made, its sync state and the reason.
import { box, resolve } from "./outbox.js";
import { el } from "./dom.js";
import { clock, pick, t } from "./texts.js";
import { data } from "./data.js";

function title(item) {
  if (item.kind === "consent") return t("outbox.consent", { title: pick(item.title) });
  if (item.kind === "visit") {
    return t("outbox.visit", { title: t(item.outcome === "done" ? "outbox.visit.done" : "outbox.visit.away") });
  }
  return t(item.mode === "submit" ? "outbox.application.submit" : "outbox.application.draft",
           { title: pick(item.title) });
}

function fieldLabel(item, id) {
  const def = data.defs[item.type];
  const field = def && def.steps.flatMap((s) => s.fields).find((f) => f.id === id);
  return field ? pick(field.label) : id;
}

function details(item) {
  const lines = [];
  if (item.state === "sent") {
    if (item.kind === "consent") lines.push(t("sent.consent", { time: clock(item.body.given_at) }));
    else if (item.kind === "visit") lines.push(t("sent.visit"));
    else if (item.kept_theirs) lines.push(t("conflict.kept"));
    else if (item.mode === "submit") lines.push(t("sent.submitted", { case: (item.result || {}).case_number || "" }));
    else lines.push(t("sent.draft"));
  } else if (item.state === "superseded") {
    const warning = (item.result.warnings || []).find((w) => w.code === "consent.superseded_on_arrival");
    lines.push(warning ? pick(warning) : t("superseded.default"));
    const by = item.result.superseded_by;
    if (by) lines.push(t("superseded.by", { kind: t("superseded.kind." + by.kind), time: clock(by.at) }));
  } else if (item.state === "refused") {
    const r = item.result || {};
    lines.push([r.title, r.detail].filter(Boolean).join(": ") || t("refused.default"));
    for (const finding of r.findings || []) lines.push(pick(finding));
  } else if (item.files && item.files.length && item.kind === "application") {
    lines.push(t("progress.files", { done: item.files.filter((f) => f.sent).length, total: item.files.length }));
  }
  return lines;
}

function conflict(item) {
  if (item.state !== "conflict" || !item.theirs) return null;
  const changed = Object.keys(item.answers).filter(
    (id) => JSON.stringify(item.answers[id]) !== JSON.stringify(item.theirs.answers[id] ?? null));
  return el("div", { class: "conflict" },
    el("p", null, t("conflict.lead")),
    el("ul", null, changed.map((id) => el("li", null, t("conflict.field", {
      label: fieldLabel(item, id), mine: String(item.answers[id] ?? "–"),
      theirs: String(item.theirs.answers[id] ?? "–") })))),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "button-secondary keep-mine", onclick: () => resolve(item, "mine") },
        t("conflict.mine")),
      el("button", { type: "button", class: "button-quiet keep-theirs", onclick: () => resolve(item, "theirs") },
        t("conflict.theirs"))));
}

export function outboxItem(item) {
  return el("li", { class: "item-" + item.state, "data-kind": item.kind, "data-state": item.state,
                    "data-item": item.id },
    el("span", null, el("strong", null, title(item)), " · ", t("outbox.made", { time: clock(item.created_at) })),
    el("span", { class: "state" }, t("state." + item.state)),
    details(item).map((text) => el("p", { class: "detail" }, text)),
    conflict(item));
}

export function outboxSection(items = box.items.slice(-30)) {
  return el("section", { "aria-labelledby": "outbox-h", id: "outbox-section" },
    el("h2", { id: "outbox-h" }, t("outbox.h2")),
    el("p", { class: "lead" }, t("outbox.lead")),
    items.length ? el("ul", { class: "outbox", id: "outbox" }, items.map(outboxItem))
      : el("p", { id: "outbox" }, t("outbox.none")));
}

export function attentionCount() {
  return box.items.filter((item) => ["superseded", "refused", "conflict"].includes(item.state) && !item.seen).length;
}

