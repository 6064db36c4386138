// What the page shows besides the account: which view, errors in the catalogue's words, the
// status line. The API's English `detail` is never shown.
"use strict";

import { known, t } from "./i18n.js";
import { unreachable } from "./api.js";

const ENDED = new Set(["TOKEN_REVOKED", "INVALID_TOKEN", "TOKEN_EXPIRED"]);

function $(id) {
  return document.getElementById(id);
}

// A line of text from the API or the catalogue, set as text, never as markup.
export function textLine(text, className = "meta") {
  const element = document.createElement("p");
  element.className = className;
  element.textContent = text;
  return element;
}

// Only the catalogue's words, keyed by a code it knows; the API's English `detail` is not shown.
export function showError(code, title = null) {
  const shown = known(code) ? code : null;
  $("error-title").textContent = title || (ENDED.has(code) ? t("error.title_session_ended") : t("error.title"));
  $("error-code").textContent = shown || (typeof code === "string" && /^[A-Z_]{1,64}$/.test(code) ? code : "ERROR");
  $("error-text").textContent = shown ? t(`code.${shown}`) : t("error.generic");
  $("error").hidden = false;
}

// The error a link brings: anything but a known code reads as the one generic sentence.
export function showLinkedError(code) {
  showError(known(code) ? code : "SIGN_IN_FAILED", t("error.title_sign_in"));
}

export function clearError() {
  $("error").hidden = true;
}

export function say(message) {
  $("status").textContent = message;
}

export function show(view) {
  for (const name of ["signed-out", "signed-in", "unreachable"]) {
    $(name).hidden = view !== name;
  }
  document.body.dataset.state = view;
}

export function answerFailed(answer) {
  if (unreachable(answer)) {
    clearError();
    show("unreachable");
    return;
  }
  showError(answer.body.code);
}
