// The account's recent security events (GET /me/activity), newest first, a page at a time.
"use strict";

import { call } from "./api.js";
import { deviceName, providerName, t, when } from "./i18n.js";
import { textLine } from "./views.js";

const KINDS = ["sign_in", "sign_out", "sign_out_all", "session_ended", "session_compromised", "account_change"];
const PAGE = 10;
// `load` counts the list's reloads: a page that arrives after a newer reload is dropped.
const state = { cursor: null, load: 0 };

function $(id) {
  return document.getElementById(id);
}

function headline(item) {
  if (item.kind === "sign_in") {
    return item.provider ? t("activity.sign_in", { provider: providerName(item.provider) }) : t("activity.sign_in_plain");
  }
  return KINDS.includes(item.kind) ? t(`activity.${item.kind}`) : t("activity.other");
}

function entry(item) {
  const li = document.createElement("li");
  li.dataset.kind = KINDS.includes(item.kind) ? item.kind : "other";
  const time = document.createElement("time");
  time.dateTime = item.at;
  time.textContent = when(item.at);
  const title = document.createElement("strong");
  title.textContent = headline(item);
  li.append(time, " ", title);
  if (item.new_device) {
    const badge = document.createElement("span");
    badge.className = "badge new-device";
    badge.textContent = t("activity.new_device");
    li.append(" ", badge);
  }
  const facts = [];
  if (item.device) {
    facts.push(t("activity.device", { device: deviceName(item.device) }));
  }
  if (item.network) {
    facts.push(t("activity.network", { network: item.network }));
  }
  if (facts.length) {
    li.append(textLine(facts.join(" · ")));
  }
  if (item.kind === "session_compromised") {
    li.classList.add("warning");
    li.append(textLine(t("activity.compromised_help"), "advice"));
  }
  return li;
}

async function page(cursor, load = state.load) {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (cursor) {
    query.set("cursor", cursor);
  }
  const answer = await call("GET", `/me/activity?${query}`);
  if (load !== state.load) {
    return;
  }
  const note = $("activity-note");
  if (!answer.ok) {
    note.textContent = t("activity.unavailable");
    note.hidden = false;
    $("activity-more").hidden = true;
    return;
  }
  const items = answer.body.items || [];
  $("activity").append(...items.map(entry));
  state.cursor = answer.body.next_cursor || null;
  $("activity-more").hidden = state.cursor === null;
  note.hidden = $("activity").children.length > 0;
  note.textContent = t("activity.empty");
}

export async function loadActivity() {
  state.load += 1;
  state.cursor = null;
  $("activity").replaceChildren();
  await page(null);
}

export function wireActivity() {
  $("activity-more").addEventListener("click", async () => {
    const before = $("activity").children.length;
    await page(state.cursor);
    // Keyboard users continue where the new entries begin; the button may have gone.
    const first = $("activity").children[before];
    if (first) {
      first.tabIndex = -1;
      first.focus();
    }
  });
}
