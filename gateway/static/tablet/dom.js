// The tablet's screen: elements come from the shared module (never innerHTML).
import { el } from "/static/ui/ui.js";

export { el };

export const main = () => document.getElementById("indhold");

export function show(...nodes) {
  main().replaceChildren(...nodes.flat(Infinity).filter(Boolean));
}

export function panel(kind, ...children) {
  return el("div", { class: "panel panel-" + kind }, ...children);
}
