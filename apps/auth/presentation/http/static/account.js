// The Eco² account page: the same hash routes as the Eco² frontend (#/home, #/login?error=CODE),
// cookies only (the tokens are HttpOnly). A visit asks GET /session first, so a signed-out
// browser meets no 401 and a session ended elsewhere is named, not guessed.
"use strict";

import { loadActivity, wireActivity } from "./activity.js";
import { call, refresh, unreachable } from "./api.js";
import { chooseLanguage, loadCatalogue, t } from "./i18n.js";
import { sessionItem } from "./sessions.js";
import { answerFailed, clearError, say, show, showError, showLinkedError } from "./views.js";

// The first visit asks /session while the catalogue loads; later checks ask afresh.
const state = { expiresAt: 0, timer: 0, renewing: false, firstProbe: null };

function $(id) {
  return document.getElementById(id);
}

function deviceId() {
  let id = localStorage.getItem("eco2.device");
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    id = "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem("eco2.device", id);
  }
  return id;
}

async function signIn(provider) {
  clearError();
  const query = new URLSearchParams({ device_id: deviceId() });
  const answer = await call("GET", `/${provider}/authorize?${query}`, false);
  if (answer.ok) {
    location.assign(answer.body.authorization_url);
  } else {
    answerFailed(answer);
  }
}

function tick() {
  if (document.body.dataset.state !== "signed-in") {
    return;
  }
  const left = Math.max(0, Math.round((state.expiresAt - Date.now()) / 1000));
  if (left > 0) {
    const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    $("expiry").textContent = t("expiry.left", { time });
    return;
  }
  $("expiry").textContent = t("expiry.refreshing");
  if (!state.renewing && document.visibilityState === "visible") {
    state.renewing = true;
    clearInterval(state.timer);
    home().finally(() => {
      state.renewing = false;
    });
  }
}

function countdown(iso) {
  clearInterval(state.timer);
  state.expiresAt = Date.parse(iso);
  tick();
  state.timer = setInterval(tick, 1000);
}

// Whether there is a session to show: the probe never answers 401; an expired access token
// with a refresh cookie is refreshed first.
async function signedIn() {
  const probe = await (state.firstProbe || call("GET", "/session", false));
  state.firstProbe = null;
  if (!probe.ok) {
    return failed(probe);
  }
  const { signed_in: live, code, refreshable } = probe.body;
  if (live) {
    return true;
  }
  if (refreshable && (code === "TOKEN_EXPIRED" || code === "MISSING_TOKEN")) {
    const renewed = await refresh();
    return renewed.ok || failed(renewed);
  }
  if (code && code !== "MISSING_TOKEN") {
    showError(code);
  }
  show("signed-out");
  return false;
}

// A call that did not succeed: the unreachable view, or its error above the sign-in view.
function failed(answer) {
  answerFailed(answer);
  if (!unreachable(answer)) {
    show("signed-out");
  }
  return false;
}

async function home() {
  clearInterval(state.timer);
  if (!(await signedIn())) {
    return;
  }
  const activity = loadActivity();
  const [me, sessions] = await Promise.all([call("GET", "/me"), call("GET", "/sessions")]);
  const refused = [me, sessions].find((answer) => !answer.ok);
  if (refused) {
    failed(refused);
    return;
  }
  clearError();
  $("name").textContent = me.body.nickname || t("name.none");
  $("email").textContent = me.body.email || "—";
  $("user-id").textContent = me.body.id;
  $("linked").textContent = (me.body.providers || []).join(", ") || "—";
  $("sessions").replaceChildren(...sessions.body.sessions.map((s) => sessionItem(s, endSession)));
  countdown(sessions.body.access_expires_at);
  show("signed-in");
  await activity;
}

async function endSession(id) {
  const answer = await call("DELETE", `/sessions/${encodeURIComponent(id)}`);
  if (!answer.ok) {
    answerFailed(answer);
    return;
  }
  say(t("status.session_ended"));
  await home();
}

async function signOut(path, message) {
  const answer = await call(path === "/me" ? "DELETE" : "POST", path);
  if (!answer.ok) {
    answerFailed(answer);
    return;
  }
  clearInterval(state.timer);
  say(t(message));
  history.replaceState(null, "", "#/login");
  show("signed-out");
  $("main").focus();
}

function confirmDelete(open) {
  $("delete-confirm").hidden = !open;
  $("delete").setAttribute("aria-expanded", String(open));
  (open ? $("delete-no") : $("delete")).focus();
}

function route() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  clearError();
  if (path === "/login") {
    const code = new URLSearchParams(query || "").get("error");
    if (code !== null) {
      showLinkedError(code);
    }
    show("signed-out");
    return;
  }
  home();
}

function wire() {
  for (const button of document.querySelectorAll("button[data-provider]")) {
    button.addEventListener("click", () => signIn(button.dataset.provider));
  }
  for (const button of document.querySelectorAll("button[data-lang]")) {
    button.id = `lang-${button.dataset.lang}`;
    button.addEventListener("click", () => chooseLanguage(button.dataset.lang));
  }
  $("logout").addEventListener("click", () => signOut("/logout", "status.signed_out"));
  $("logout-all").addEventListener("click", () => signOut("/logout-all", "status.signed_out_all"));
  $("reload").addEventListener("click", () => home());
  $("retry").addEventListener("click", () => route());
  $("delete").addEventListener("click", () => confirmDelete(true));
  $("delete-no").addEventListener("click", () => confirmDelete(false));
  $("delete-yes").addEventListener("click", () => signOut("/me", "status.deleted"));
  wireActivity();
  window.addEventListener("hashchange", route);
  document.addEventListener("visibilitychange", tick);
  const focus = sessionStorage.getItem("eco2.focus");
  if (focus) {
    sessionStorage.removeItem("eco2.focus");
    $(focus)?.focus();
  }
}

async function start() {
  if (!location.hash.startsWith("#/login")) {
    state.firstProbe = call("GET", "/session", false);
  }
  try {
    await loadCatalogue();
  } catch {
    show("unreachable");
    $("retry").addEventListener("click", () => location.reload());
    return;
  }
  wire();
  route();
}

start();
