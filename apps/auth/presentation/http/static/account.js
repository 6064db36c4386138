// The Eco² account page: the same hash routes as the Eco² frontend (#/home, #/login?error=CODE),
// cookies only (the tokens are HttpOnly), and refresh the way a client does it: on a 401 for an
// expired or dropped access token, POST /refresh once, then retry the call.
"use strict";

const API = "/api/v1/auth";
const SENTENCES = {
  INVALID_STATE:
    "The sign-in expired, was already used, or began on another address. Start again from this page.",
  OAUTH_PROVIDER_ERROR: "The login provider did not complete the sign-in. Try again in a moment.",
  OAUTH_ACCESS_DENIED: "The sign-in was cancelled at the login provider.",
  PROVIDER_NOT_CONFIGURED: "This login provider has no credentials in this environment.",
  UNSUPPORTED_PROVIDER: "This login provider is not enabled here.",
  TOKEN_EXPIRED: "Your session has expired. Sign in again.",
  TOKEN_REVOKED: "Your session was ended, here or on another device. Sign in again.",
  INVALID_TOKEN: "Your session is not valid any more. Sign in again.",
  MISSING_TOKEN: "You are signed out.",
  RATE_LIMITED: "Too many attempts. Wait a minute and try again.",
  STORAGE_UNAVAILABLE: "The service cannot reach its storage right now. Try again shortly.",
  CROSS_SITE_REQUEST: "The request came from another site and was refused.",
  SESSION_NOT_FOUND: "That session has already ended.",
  USER_NOT_FOUND: "This account no longer exists.",
  NETWORK_ERROR: "The service did not answer. Check that it is running.",
};
// Shown for a code the catalogue does not know: a link may put anything in `#/login?error=`,
// and the page never repeats it.
const UNKNOWN = { code: "SIGN_IN_FAILED", sentence: "The sign-in did not complete. Start again from this page." };

function known(code) {
  return typeof code === "string" && Object.hasOwn(SENTENCES, code);
}

const state = { refreshing: null, refreshes: 0, expiresAt: 0, timer: 0, renewing: false };

function $(id) {
  return document.getElementById(id);
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return {};
  }
}

async function call(method, path, retry = true) {
  let response;
  try {
    response = await fetch(API + path, { method, credentials: "same-origin" });
  } catch {
    return { ok: false, status: 0, body: { code: "NETWORK_ERROR" } };
  }
  const body = await readJson(response);
  const expired = body.code === "TOKEN_EXPIRED" || body.code === "MISSING_TOKEN";
  if (response.status === 401 && expired && retry && (await refresh())) {
    return call(method, path, false);
  }
  return { ok: response.ok, status: response.status, body };
}

function refresh() {
  // One refresh at a time: parallel calls that all found the token expired share it.
  if (state.refreshing === null) {
    state.refreshing = fetch(API + "/refresh", { method: "POST", credentials: "same-origin" })
      .then((response) => {
        if (response.ok) {
          state.refreshes += 1;
          document.body.dataset.refreshes = String(state.refreshes);
        }
        return response.ok;
      })
      .catch(() => false)
      .finally(() => {
        state.refreshing = null;
      });
  }
  return state.refreshing;
}

function showError(code, detail) {
  const parts = [known(code) ? SENTENCES[code] : null, detail].filter(Boolean);
  $("error-code").textContent = code || "ERROR";
  $("error-text").textContent = parts.join(" ") || "Something went wrong.";
  $("error").hidden = false;
}

// The error a link brings: only the catalogue's own words, keyed by a code it knows.
function showLinkedError(code) {
  if (known(code)) {
    showError(code, null);
  } else {
    showError(UNKNOWN.code, UNKNOWN.sentence);
  }
}

function clearError() {
  $("error").hidden = true;
}

function say(message) {
  $("status").textContent = message;
}

function show(view) {
  $("signed-out").hidden = view !== "signed-out";
  $("signed-in").hidden = view !== "signed-in";
  document.body.dataset.state = view;
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
    showError(answer.body.code, answer.body.detail);
  }
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

function sessionItem(session) {
  const item = document.createElement("li");
  item.dataset.sessionId = session.id;
  const title = document.createElement("strong");
  title.textContent = session.device_id || "Unnamed device";
  item.append(title, " ");
  if (session.current) {
    item.classList.add("current");
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "This session";
    item.append(badge);
  }
  const lines = [
    `Signed in with ${session.provider} · IP ${session.ip || "unknown"}`,
    session.user_agent || "Unknown browser",
    `Created ${when(session.created_at)} · last used ${when(session.last_used_at)}`,
  ];
  for (const line of lines) {
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = line;
    item.append(meta);
  }
  if (!session.current) {
    const end = document.createElement("button");
    end.type = "button";
    end.className = "end-session";
    end.textContent = "Sign out this session";
    end.setAttribute("aria-label", `Sign out the session on ${title.textContent}`);
    end.addEventListener("click", () => endSession(session.id));
    item.append(end);
  }
  return item;
}

function tick() {
  if (document.body.dataset.state !== "signed-in") {
    return;
  }
  const left = Math.max(0, Math.round((state.expiresAt - Date.now()) / 1000));
  if (left > 0) {
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    $("expiry").textContent = `Access token: ${minutes}:${seconds} left`;
    return;
  }
  $("expiry").textContent = "Access token expired: refreshing";
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

async function home() {
  const me = await call("GET", "/me");
  if (!me.ok) {
    clearInterval(state.timer);
    if (me.body.code !== "MISSING_TOKEN") {
      showError(me.body.code, me.body.detail);
    }
    show("signed-out");
    return;
  }
  const sessions = await call("GET", "/sessions");
  if (!sessions.ok) {
    showError(sessions.body.code, sessions.body.detail);
    show("signed-out");
    return;
  }
  $("name").textContent = me.body.nickname || "(no name)";
  $("email").textContent = me.body.email || "—";
  $("user-id").textContent = me.body.id;
  $("linked").textContent = (me.body.providers || []).join(", ") || "—";
  $("sessions").replaceChildren(...sessions.body.sessions.map(sessionItem));
  countdown(sessions.body.access_expires_at);
  show("signed-in");
}

async function endSession(id) {
  const answer = await call("DELETE", `/sessions/${encodeURIComponent(id)}`);
  if (!answer.ok) {
    showError(answer.body.code, answer.body.detail);
    return;
  }
  say("Session ended.");
  await home();
}

async function signOut(path, message) {
  const answer = await call(path === "/me" ? "DELETE" : "POST", path);
  if (!answer.ok) {
    showError(answer.body.code, answer.body.detail);
    return;
  }
  clearInterval(state.timer);
  say(message);
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
  $("logout").addEventListener("click", () => signOut("/logout", "Signed out."));
  $("logout-all").addEventListener("click", () =>
    signOut("/logout-all", "Signed out of every session."),
  );
  $("reload").addEventListener("click", () => home());
  $("delete").addEventListener("click", () => confirmDelete(true));
  $("delete-no").addEventListener("click", () => confirmDelete(false));
  $("delete-yes").addEventListener("click", () => signOut("/me", "Account deleted."));
  window.addEventListener("hashchange", route);
  document.addEventListener("visibilitychange", tick);
}

wire();
route();
