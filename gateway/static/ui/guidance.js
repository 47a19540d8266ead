// The catalogue's guidance rules evaluated in the browser (the tablet needs them offline).
//
// The rules themselves have one source of truth: the catalogue (services/applications/
// catalogue/*.json, served by GET /api/applications/types/<id>). This module is the browser's
// twin of services/applications/guidance.py `evaluate`: the same coercion of answers, the same
// condition language, the same findings (code, severity, field, message) in the same order.
// tests/unit/test_guidance_parity.py runs every rule of every catalogue type through both and
// fails on any difference; change one, change the other in the same commit.
//
// Python's semantics are kept where JavaScript differs: booleans compare as numbers (True > 0),
// comparing unlike types is false (not coerced: "10" > 5 is false), text length counts code
// points, and integers accept Python's int() spelling (sign, underscores between digits).

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PY_INT = /^[+-]?\d+(_\d+)*$/;

export const INVALID_TEXT = {
  not_a_number: ["Skriv et tal.", "Enter a number."],
  not_a_whole_number: ["Skriv et helt tal.", "Enter a whole number."],
  below_minimum: ["Tallet er for lavt.", "The number is too low."],
  above_maximum: ["Tallet er for højt.", "The number is too high."],
  not_yes_or_no: ["Svar ja eller nej.", "Answer yes or no."],
  not_a_date: ["Skriv en dato som ÅÅÅÅ-MM-DD.", "Enter a date as YYYY-MM-DD."],
  not_a_choice: ["Vælg en af mulighederne.", "Choose one of the options."],
  not_text: ["Skriv en tekst.", "Enter text."],
  too_long: ["Teksten er for lang.", "The text is too long."],
};

/** A calendar date as Python's datetime.date compares it: by its ISO text. */
class Day {
  constructor(iso) { this.iso = iso; }
}

function validDate(text) {
  const [year, month, day] = text.split("-").map((part) => parseInt(part, 10));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return year >= 1 && days !== undefined && day >= 1 && day <= days;
}

function pyInt(text) {
  const plain = text.replaceAll(".", "").replaceAll(" ", "").trim();
  if (!PY_INT.test(plain)) return null;
  return parseInt(plain.replaceAll("_", ""), 10);
}

/** [typed value, problem]: the answer as the rules see it, or null with why it is invalid. */
export function coerce(field, value) {
  if (value === null || value === undefined || value === "") return [null, null];
  const kind = field.type;
  if (kind === "integer" || kind === "money") {
    if (typeof value === "boolean") return [null, "not_a_number"];
    let number = value;
    if (typeof value === "string") {
      number = pyInt(value);
      if (number === null) return [null, "not_a_number"];
    }
    if (typeof number !== "number" || !Number.isInteger(number)) return [null, "not_a_whole_number"];
    if (field.min !== null && field.min !== undefined && number < field.min) return [null, "below_minimum"];
    if (field.max !== null && field.max !== undefined && number > field.max) return [null, "above_maximum"];
    return [number, null];
  }
  if (kind === "boolean") return typeof value === "boolean" ? [value, null] : [null, "not_yes_or_no"];
  if (kind === "date") {
    if (typeof value !== "string" || !DATE.test(value) || !validDate(value)) return [null, "not_a_date"];
    return [new Day(value), null];
  }
  if (kind === "choice") {
    const allowed = field.choices.map((choice) => choice.value);
    return allowed.includes(value) ? [value, null] : [null, "not_a_choice"];
  }
  const limit = kind === "text" ? 200 : 5000;
  if (typeof value !== "string") return [null, "not_text"];
  return [...value].length <= limit ? [value, null] : [null, "too_long"];
}

// Python's == and < for the values answers and conditions hold.
function sort(value) {
  if (typeof value === "number" || typeof value === "boolean") return "number";
  if (typeof value === "string") return "text";
  if (value instanceof Day) return "date";
  if (value === null || value === undefined) return "none";
  return Array.isArray(value) ? "list" : "object";
}
function plain(value) {
  if (typeof value === "boolean") return value ? 1 : 0;
  return value instanceof Day ? value.iso : value;
}
function equal(a, b) {
  const kind = sort(a);
  if (kind !== sort(b)) return false;
  if (kind === "list" || kind === "object") return JSON.stringify(a) === JSON.stringify(b);
  return plain(a) === plain(b);
}
function ordered(a, b, op) {
  const kind = sort(a);
  if (kind !== sort(b) || !["number", "text", "date"].includes(kind)) return false; // TypeError
  const [x, y] = [plain(a), plain(b)];
  return { gt: x > y, gte: x >= y, lt: x < y, lte: x <= y }[op];
}

/** The value of a dated threshold in force on `on` (YYYY-MM-DD): the latest not after it. */
export function threshold(definition, name, on) {
  const entries = (definition.thresholds[name] || [])
    .filter((entry) => entry.valid_from <= on)
    .sort((a, b) => (a.valid_from < b.valid_from ? -1 : a.valid_from > b.valid_from ? 1 : 0));
  if (!entries.length) throw new Error(`threshold ${name} of ${definition.id} has no value on ${on}`);
  return Number(entries[entries.length - 1].value);
}

/** Whether a catalogue condition holds for typed answers and the attachments provided. */
export function holds(condition, facts) {
  if (condition.all) return condition.all.every((part) => holds(part, facts));
  if (condition.any) return condition.any.some((part) => holds(part, facts));
  if (condition.not) return !holds(condition.not, facts);
  const op = condition.op;
  if ("attachment" in condition) {
    const present = facts.attachments.has(condition.attachment);
    return op === "present" ? present : !present;
  }
  const value = facts.values[condition.field] ?? null;
  if (op === "missing") return value === null;
  if (op === "present") return value !== null;
  if (op === "true" || op === "false") return value === (op === "true");
  if (value === null) return false; // nothing to compare yet: no warning before an answer
  let target = "threshold" in condition
    ? threshold(facts.definition, condition.threshold, facts.on) : condition.value;
  if (op === "in") return target.some((item) => equal(value, item));
  if (value instanceof Day && typeof target === "string") target = new Day(target);
  if (op === "eq") return equal(value, target);
  if (op === "ne") return !equal(value, target);
  return ordered(value, target, op);
}

function fieldsOf(definition) {
  return definition.steps.flatMap((step) => step.fields);
}

/** The typed answers of a type's fields (invalid or missing ones are null). */
export function typedAnswers(definition, answers) {
  const values = {};
  for (const field of fieldsOf(definition)) values[field.id] = coerce(field, answers[field.id])[0];
  return values;
}

/** Findings for the answers: errors (cannot submit), warnings (likely refusal) and hints.
 *  `attachments`: the attachment ids provided; `on`: the date as YYYY-MM-DD. */
export function evaluate(definition, answers, attachments, on) {
  const findings = [];
  const values = {};
  const fields = fieldsOf(definition);
  for (const field of fields) {
    const [value, problem] = coerce(field, answers[field.id]);
    values[field.id] = value;
    if (problem) {
      const [da, en] = INVALID_TEXT[problem];
      findings.push({ code: `application.field_invalid.${problem}`, severity: "error",
                      field: field.id, message: { da, en } });
    }
  }
  const facts = { definition, values, attachments: new Set(attachments), on };
  for (const field of fields) {
    const shown = !field.visible_when || holds(field.visible_when, facts);
    const raw = answers[field.id];
    if (field.required && shown && (raw === null || raw === undefined || raw === "")) {
      findings.push({ code: "application.field_required", severity: "error", field: field.id,
                      message: { da: `Udfyld: ${field.label.da}`, en: `Fill in: ${field.label.en}` } });
    }
  }
  for (const attachment of definition.attachments || []) {
    const required = attachment.required
      || (attachment.required_when ? holds(attachment.required_when, facts) : false);
    if (required && !facts.attachments.has(attachment.id)) {
      findings.push({ code: "application.attachment_required", severity: "error",
                      field: `attachments.${attachment.id}`,
                      message: { da: `Vedhæft: ${attachment.title.da}`,
                                 en: `Attach: ${attachment.title.en}` } });
    }
  }
  for (const rule of definition.rules || []) {
    if (holds(rule.when, facts)) {
      findings.push({ code: rule.code, severity: rule.severity, field: rule.field ?? null,
                      message: rule.message });
    }
  }
  return findings;
}

/** Whether a field is shown for the current answers (its visible_when). */
export function visible(definition, field, answers, attachments, on) {
  if (!field.visible_when) return true;
  return holds(field.visible_when, {
    definition, values: typedAnswers(definition, answers), attachments: new Set(attachments), on,
  });
}

/** Whether an attachment is asked for with the current answers. */
export function attachmentRequired(definition, attachment, answers, attachments, on) {
  if (attachment.required) return true;
  if (!attachment.required_when) return false;
  return holds(attachment.required_when, {
    definition, values: typedAnswers(definition, answers), attachments: new Set(attachments), on,
  });
}
