// The page's words: one catalogue per language (i18n/<lang>.json), the same files the server
// fills the page's fixed text from. The language is the page's own <html lang>.
"use strict";

export const LANGUAGES = ["ko", "en"];
export const LANGUAGE_COOKIE = "eco2_lang";
const LOCALES = { ko: "ko-KR", en: "en-GB" };
let words = {};

export function language() {
  const lang = document.documentElement.lang;
  return LANGUAGES.includes(lang) ? lang : "ko";
}

export async function loadCatalogue() {
  const response = await fetch(`/static/i18n/${language()}.json`, { credentials: "same-origin" });
  if (!response.ok) {
    throw new Error(`catalogue ${language()}: ${response.status}`);
  }
  words = await response.json();
}

// `values` fill `{name}` slots; a key the catalogue lacks shows as itself, never as undefined.
export function t(key, values = {}) {
  const text = Object.hasOwn(words, key) ? words[key] : key;
  return text.replace(/\{(\w+)\}/g, (slot, name) =>
    Object.hasOwn(values, name) ? String(values[name]) : slot,
  );
}

// Only error codes the catalogue knows have a sentence; anything else a link brings is unknown.
export function known(code) {
  return typeof code === "string" && /^[A-Z_]{1,64}$/.test(code) && Object.hasOwn(words, `code.${code}`);
}

export function when(iso) {
  if (!iso) {
    return "—";
  }
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) {
    return "—";
  }
  return new Intl.DateTimeFormat(LOCALES[language()], { dateStyle: "medium", timeStyle: "short" }).format(moment);
}

export function providerName(provider) {
  return provider && Object.hasOwn(words, `provider.${provider}`) ? t(`provider.${provider}`) : provider || t("unknown");
}

// The API names a device in English and neutral words ("Chrome · Android", "KakaoTalk in-app
// browser", "Unknown device"); the generic parts are said in the page's language here.
export function deviceName(device) {
  if (!device) {
    return t("device.unknown");
  }
  if (device.in_app) {
    const app = Object.hasOwn(words, `app.${device.in_app}`) ? t(`app.${device.in_app}`) : device.in_app;
    return t("device.in_app", { app });
  }
  const parts = [device.browser, device.os].filter(Boolean);
  return parts.length ? parts.join(" · ") : t("device.unknown");
}

export function chooseLanguage(lang) {
  if (!LANGUAGES.includes(lang)) {
    return;
  }
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${LANGUAGE_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
  sessionStorage.setItem("eco2.focus", `lang-${lang}`);
  location.reload();
}
