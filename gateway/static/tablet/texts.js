// The tablet's texts and formats: the texts are the "tablet.*" keys of the shared dictionaries
// (static/ui/texts.da.js, texts.en.js), read through the shared module static/ui/ui.js.
import { lang, scoped, setLang, txt } from "/static/ui/ui.js";


export const t = scoped("tablet.");
export const language = lang;
export const setLanguage = setLang;
/** A {da, en} pair from the API in the language chosen. */
export const pick = (pair) => txt(pair);

const ZONE = "Europe/Copenhagen";
const locale = () => (lang() === "en" ? "en-GB" : "da-DK");
export function clock(iso) {
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", timeZone: ZONE })
    .format(new Date(iso));
}
export function longDate(day) {
  return new Intl.DateTimeFormat(locale(), { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" })
    .format(new Date(day + "T12:00:00Z"));
}
export function shortDate(iso) {
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "long", year: "numeric", timeZone: ZONE })
    .format(new Date(iso));
}
export function number(value) {
  return new Intl.NumberFormat("da-DK").format(value);
}
/** The local date in Copenhagen as YYYY-MM-DD of a moment (ms). */
export function localDay(ms) {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: ZONE }).format(new Date(ms));
}
