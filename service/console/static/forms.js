// Form pieces the list views share: a labelled field, an option, a filter form and its Apply / Clear buttons.
"use strict";

import { el } from "./dom.js";
import { t } from "./i18n.js";

export function option(value, text) {
  const o = el("option", "", text);
  o.value = value;
  return o;
}

// `control` under its visible label, tied to it by `id`.
export function labelled(labelText, control, id) {
  const wrap = el("div", "field");
  const label = el("label", "", labelText);
  control.id = id;
  label.htmlFor = id;
  wrap.append(label, control);
  return wrap;
}

export function filterForm(id) {
  const form = el("form", "filters");
  form.id = id;
  form.setAttribute("aria-label", t("filters"));
  return form;
}

// Apply submits the form; Clear (when asked for) is returned for the view to wire.
export function filterButtons(withClear = true) {
  const buttons = el("div", "field buttons");
  const apply = el("button", "", t("f.apply"));
  apply.type = "submit";
  buttons.append(apply);
  const clear = withClear ? el("button", "quiet", t("f.clear")) : null;
  if (clear) {
    clear.type = "button";
    buttons.append(clear);
  }
  return { buttons, clear };
}
