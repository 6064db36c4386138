// One signed-in device of the account: its readable name, where and when, the raw user agent
// on demand. Everything the API sends is set as text, never as markup.
"use strict";

import { deviceName, providerName, t, when } from "./i18n.js";
import { textLine } from "./views.js";

function rawUserAgent(session) {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = t("session.raw");
  const raw = document.createElement("code");
  raw.className = "user-agent";
  raw.textContent = session.user_agent || t("session.raw_none");
  details.append(summary, raw);
  return details;
}

export function sessionItem(session, onEnd) {
  const item = document.createElement("li");
  item.dataset.sessionId = session.id;
  const title = document.createElement("strong");
  title.className = "device";
  title.textContent = deviceName(session.device);
  item.append(title, " ");
  if (session.current) {
    item.classList.add("current");
    item.setAttribute("aria-current", "true");
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = t("session.current");
    item.append(badge);
  }
  const network = session.ip || t("unknown");
  item.append(
    textLine(t("session.provider", { provider: providerName(session.provider), network })),
    textLine(t("session.times", { created: when(session.created_at), last: when(session.last_used_at) })),
    rawUserAgent(session),
  );
  if (!session.current) {
    const end = document.createElement("button");
    end.type = "button";
    end.className = "end-session";
    end.textContent = t("session.end");
    end.setAttribute("aria-label", t("session.end_label", { device: title.textContent }));
    end.addEventListener("click", () => onEnd(session.id));
    item.append(end);
  }
  return item;
}
