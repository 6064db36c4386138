// Calls to the auth API with the browser's cookies (the tokens are HttpOnly), and refresh the
// way a client does it: on a 401 for an expired or dropped access token, POST /refresh once,
// then retry the call.
"use strict";

const API = "/api/v1/auth";
const state = { refreshing: null, refreshes: 0 };

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return {};
  }
}

export async function call(method, path, retry = true) {
  let response;
  try {
    response = await fetch(API + path, { method, credentials: "same-origin" });
  } catch {
    return { ok: false, status: 0, body: { code: "NETWORK_ERROR" } };
  }
  const body = await readJson(response);
  const expired = body.code === "TOKEN_EXPIRED" || body.code === "MISSING_TOKEN";
  if (response.status === 401 && expired && retry && (await refresh()).ok) {
    return call(method, path, false);
  }
  return { ok: response.ok, status: response.status, body };
}

// A gateway's or proxy's own failure (no code of ours) or no answer at all: the service is away.
export function unreachable(answer) {
  return answer.status === 0 || (answer.status >= 500 && typeof answer.body.code !== "string");
}

// One refresh at a time: parallel calls that all found the token expired share it.
export function refresh() {
  if (state.refreshing === null) {
    state.refreshing = fetch(API + "/refresh", { method: "POST", credentials: "same-origin" })
      .then(async (response) => {
        if (response.ok) {
          state.refreshes += 1;
          document.body.dataset.refreshes = String(state.refreshes);
        }
        const body = response.ok ? {} : await readJson(response);
        return { ok: response.ok, status: response.status, body };
      })
      .catch(() => ({ ok: false, status: 0, body: { code: "NETWORK_ERROR" } }))
      .finally(() => {
        state.refreshing = null;
      });
  }
  return state.refreshing;
}
