/* Heedful web chat widget. Plain, dependency-free JavaScript, no build step.
 *
 * Embed: <script src="BASE/widget.js" data-channel="PUBLIC_KEY" async></script>
 * API:   window.Heedful.open() / close() / toggle() / identify({id, email, name, hash}) / on(event, fn)
 *        events: "ready", "open", "close", "message" (a message object), "availability", "seen".
 *
 * Privacy: nothing is stored and no session is asked for until the visitor opens the chat; the
 * visitor token is written to localStorage only after the first message is sent.
 * Safety: customer and agent text is only ever set with textContent.
 */
(function () {
  "use strict";
  if (window.Heedful && window.Heedful.__loaded) { return; }

  var script = document.currentScript || document.querySelector("script[data-channel][src*='widget.js']");
  if (!script) { return; }
  var CHANNEL = script.getAttribute("data-channel") || "";
  var BASE = new URL(script.src, location.href).origin;
  var STORE = "heedful:" + CHANNEL;

  var TEXT = {
    en: {title: "Chat with us", open: "Open chat", close: "Close chat", placeholder: "Write a message…",
         send: "Send", email: "Your email", yourName: "Your name", required: "Please fill in: {field}", emailNeeded: "Please leave your email so we can reply.",
         away: "We're away right now. Leave a message and your email, and we'll answer by email.",
         closed: "We're closed. We're back {when}. Leave your email and we'll answer by email.",
         wait: "We usually reply in {wait}.", typing: "{name} is typing…", agent: "Support",
         unread: "{n} unread", sending: "Sending…", failed: "Not sent. Try again.",
         minutes: "{n} min", lessMinute: "under a minute", reconnecting: "Reconnecting…",
         attach: "Attach a file", seen: "Seen", suggested: "These articles may answer your question:", fileFailed: "This file could not be sent: {why}"},
    es: {title: "Chatea con nosotros", open: "Abrir chat", close: "Cerrar chat", placeholder: "Escribe un mensaje…",
         send: "Enviar", email: "Tu correo", yourName: "Tu nombre", required: "Completa: {field}", emailNeeded: "Déjanos tu correo para poder responderte.",
         away: "Ahora no estamos. Deja un mensaje y tu correo y te responderemos por correo.",
         closed: "Estamos cerrados. Volvemos {when}. Deja tu correo y te responderemos por correo.",
         wait: "Solemos responder en {wait}.", typing: "{name} está escribiendo…", agent: "Soporte",
         unread: "{n} sin leer", sending: "Enviando…", failed: "No enviado. Inténtalo de nuevo.",
         minutes: "{n} min", lessMinute: "menos de un minuto", reconnecting: "Reconectando…",
         attach: "Adjuntar un archivo", seen: "Visto", suggested: "Estos artículos pueden responder a tu pregunta:", fileFailed: "No se pudo enviar el archivo: {why}"},
    fr: {title: "Discutez avec nous", open: "Ouvrir le chat", close: "Fermer le chat", placeholder: "Écrivez un message…",
         send: "Envoyer", email: "Votre e-mail", yourName: "Votre nom", required: "Veuillez remplir : {field}", emailNeeded: "Laissez votre e-mail pour que nous puissions répondre.",
         away: "Nous sommes absents. Laissez un message et votre e-mail, nous répondrons par e-mail.",
         closed: "Nous sommes fermés. Retour {when}. Laissez votre e-mail, nous répondrons par e-mail.",
         wait: "Nous répondons en général en {wait}.", typing: "{name} écrit…", agent: "Support",
         unread: "{n} non lus", sending: "Envoi…", failed: "Non envoyé. Réessayez.",
         minutes: "{n} min", lessMinute: "moins d'une minute", reconnecting: "Reconnexion…",
         attach: "Joindre un fichier", seen: "Vu", suggested: "Ces articles répondent peut-être à votre question :", fileFailed: "Le fichier n'a pas pu être envoyé : {why}"},
    de: {title: "Chatten Sie mit uns", open: "Chat öffnen", close: "Chat schließen", placeholder: "Nachricht schreiben…",
         send: "Senden", email: "Ihre E-Mail", yourName: "Ihr Name", required: "Bitte ausfüllen: {field}", emailNeeded: "Bitte hinterlassen Sie Ihre E-Mail, damit wir antworten können.",
         away: "Wir sind gerade nicht da. Hinterlassen Sie Nachricht und E-Mail, wir antworten per E-Mail.",
         closed: "Wir haben geschlossen und sind {when} zurück. Hinterlassen Sie Ihre E-Mail, wir antworten per E-Mail.",
         wait: "Wir antworten meist in {wait}.", typing: "{name} schreibt…", agent: "Support",
         unread: "{n} ungelesen", sending: "Wird gesendet…", failed: "Nicht gesendet. Bitte erneut versuchen.",
         minutes: "{n} Min.", lessMinute: "unter einer Minute", reconnecting: "Verbindung wird hergestellt…",
         attach: "Datei anhängen", seen: "Gesehen", suggested: "Diese Artikel beantworten vielleicht Ihre Frage:", fileFailed: "Die Datei konnte nicht gesendet werden: {why}"}
  };
  var RTL = /^(ar|he|fa|ur|ps|yi|dv|ckb)\b/i;
  var langs = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"]);
  var LANG = "en";
  for (var li = 0; li < langs.length; li++) {
    var code = String(langs[li]).slice(0, 2).toLowerCase();
    if (TEXT[code]) { LANG = code; break; }
  }
  var T = TEXT[LANG];
  var DIR = RTL.test(langs[0] || "") || document.documentElement.dir === "rtl" ? "rtl" : "ltr";

  function t(key, values) {
    return String(T[key] || TEXT.en[key] || key).replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] != null ? values[name] : "";
    });
  }

  var CSS = [
    ":host{all:initial;--hf-accent:#1f6feb;--hf-bg:#fff;--hf-fg:#1b1f24;--hf-muted:#59636e;--hf-soft:#eef1f4;",
    "--hf-line:#d6dbe0;font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--hf-fg)}",
    "@media (prefers-color-scheme:dark){:host{--hf-accent:#4c8dff;--hf-bg:#17191c;--hf-fg:#e8eaed;--hf-muted:#a0a8b2;",
    "--hf-soft:#25282d;--hf-line:#363a40}}",
    "*{box-sizing:border-box}",
    ".launcher{position:fixed;inset-inline-end:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;",
    "border:0;background:var(--hf-accent);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}",
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid var(--hf-accent);outline-offset:2px}",
    ".badge{position:absolute;top:-4px;inset-inline-end:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;",
    "background:#d1242f;color:#fff;font-size:12px;line-height:20px;text-align:center}",
    ".badge[hidden],[hidden]{display:none!important}",
    ".panel{position:fixed;inset-inline-end:20px;bottom:88px;z-index:2147483000;width:370px;max-width:calc(100vw - 24px);",
    "height:560px;max-height:calc(100dvh - 110px);display:flex;flex-direction:column;background:var(--hf-bg);",
    "border:1px solid var(--hf-line);border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);overflow:hidden}",
    "header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:var(--hf-accent);color:#fff}",
    "header h2{flex:1;margin:0;font-size:16px;font-weight:600}",
    "header button{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:2px 6px}",
    ".status{padding:8px 14px;font-size:13px;color:var(--hf-muted);border-bottom:1px solid var(--hf-line)}",
    ".status:empty{display:none}",
    ".log{flex:1;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:8px}",
    ".msg{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:plaintext}",
    ".msg[data-author=visitor]{align-self:flex-end;background:var(--hf-accent);color:#fff}",
    ".msg[data-author=agent],.greeting{align-self:flex-start;background:var(--hf-soft)}",
    ".msg .who{display:block;font-size:12px;color:var(--hf-muted);margin-bottom:2px}",
    ".msg.pending{opacity:.65}.msg.failed{outline:2px solid #d1242f}",
    ".typing{padding:0 14px 6px;font-size:13px;color:var(--hf-muted);min-height:1em}",
    "form{display:flex;flex-direction:column;gap:6px;padding:10px;border-top:1px solid var(--hf-line)}",
    ".row{display:flex;gap:6px}",
    "textarea,input{flex:1;font:inherit;font-size:16px;color:var(--hf-fg);background:var(--hf-bg);border:1px solid var(--hf-line);",
    "border-radius:8px;padding:8px}",
    "textarea{resize:none;height:42px;max-height:120px}",
    "form button{border:0;border-radius:8px;padding:0 14px;background:var(--hf-accent);color:#fff;font:inherit;cursor:pointer}",
    ".consent{font-size:12px;color:var(--hf-muted)}",
    ".prechat{display:flex;flex-direction:column;gap:6px}",
    ".att{display:block;margin-top:4px;color:inherit;text-decoration:underline;background:none;border:0;padding:0;font:inherit;cursor:pointer}",
    ".att img{display:block;max-width:220px;max-height:220px;border-radius:8px}",
    ".seen{align-self:flex-end;font-size:12px;color:var(--hf-muted);margin-top:-4px}",
    ".clip{background:transparent!important;color:var(--hf-muted)!important;padding:0 8px!important;font-size:20px!important}",
    ".hints{padding:0 14px 6px;font-size:13px}.hints a{display:block;color:var(--hf-accent);padding:2px 0}",
    ".survey{display:flex;flex-direction:column;gap:6px;padding:0;border:0;margin-top:6px}",
    ".survey .scale{display:flex;gap:4px}.survey .scale button{flex:1;padding:6px 0}",
    ".survey .scale button[aria-pressed=true]{outline:3px solid var(--hf-fg)}",
    ".survey select,.survey textarea{font:inherit;font-size:16px;border:1px solid var(--hf-line);border-radius:8px;padding:6px;background:var(--hf-bg);color:var(--hf-fg)}",
    "@media (max-width:480px){.panel{inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0}",
    ".launcher{inset-inline-end:14px;bottom:14px}}",
    "@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .15s}}"
  ].join("");

  // -- state -------------------------------------------------------------------------------
  var state = {token: null, stored: false, verified: false, channel: null, cursor: 0, open: false,
               unread: 0, shown: {}, pendingIdentity: null, stream: null, streamGen: 0, retries: 0,
               chatting: false, seen: 0, lastAgent: 0, readUpTo: 0};
  var listeners = {};
  try { state.token = window.localStorage.getItem(STORE); state.stored = !!state.token; } catch (e) { /* storage blocked */ }

  function emit(name, data) {
    (listeners[name] || []).forEach(function (fn) {
      try { fn(data); } catch (e) { if (window.console) { console.error(e); } }
    });
  }

  // -- DOM ---------------------------------------------------------------------------------
  var host = document.createElement("div");
  host.setAttribute("data-heedful-widget", "");
  var root = host.attachShadow({mode: "open"});
  var style = document.createElement("style");
  style.textContent = CSS;
  root.appendChild(style);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { node.setAttribute(k, attrs[k]); } }
    if (text != null) { node.textContent = text; }
    return node;
  }

  var launcher = el("button", {"class": "launcher", type: "button", "data-heedful": "launcher",
                               "aria-haspopup": "dialog", "aria-expanded": "false", "aria-label": t("open")});
  launcher.innerHTML = '<svg width="26" height="26" viewBox="0 0 16 16" aria-hidden="true"><path d="M2 3h12v8H7l-3 3v-3H2z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/></svg>';
  var badge = el("span", {"class": "badge", hidden: "", "aria-live": "polite"});
  launcher.appendChild(badge);

  var panel = el("div", {"class": "panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "hf-title",
                         dir: DIR, lang: LANG, hidden: ""});
  var header = el("header");
  var title = el("h2", {id: "hf-title"}, t("title"));
  var closer = el("button", {type: "button", "aria-label": t("close")}, "×");
  header.appendChild(title);
  header.appendChild(closer);
  var status = el("div", {"class": "status", role: "status", "aria-live": "polite"});
  var log = el("div", {"class": "log", role: "log", "aria-live": "polite", "aria-relevant": "additions"});
  var typing = el("div", {"class": "typing", "aria-live": "polite"});
  var form = el("form", {novalidate: ""});
  var email = el("input", {type: "email", autocomplete: "email", placeholder: t("email"), "aria-label": t("email"),
                           "data-heedful": "email", hidden: ""});
  // The pre-chat form (the channel's ask_name and fields): shown until the visitor chats.
  var prechat = el("div", {"class": "prechat", "data-heedful": "prechat", hidden: ""});
  var nameInput = el("input", {type: "text", autocomplete: "name", maxlength: "120", placeholder: t("yourName"),
                               "aria-label": t("yourName"), "data-heedful": "name", hidden: ""});
  var fieldInputs = [];
  var row = el("div", {"class": "row"});
  var composer = el("textarea", {"data-heedful": "composer", rows: "1", placeholder: t("placeholder"),
                                 "aria-label": t("placeholder"), maxlength: "5000", dir: "auto"});
  var send = el("button", {type: "submit", "data-heedful": "send"}, t("send"));
  var clip = el("button", {type: "button", "class": "clip", "data-heedful": "attach", "aria-label": t("attach"), title: t("attach")}, "📎");
  var picker = el("input", {type: "file", hidden: "", multiple: "", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf"});
  var hints = el("div", {"class": "hints", "aria-live": "polite", hidden: ""});
  var seenNode = el("div", {"class": "seen", "data-heedful": "seen"}, t("seen"));
  var consent = el("p", {"class": "consent", hidden: ""});
  row.appendChild(clip);
  row.appendChild(composer);
  row.appendChild(send);
  form.appendChild(picker);
  prechat.appendChild(nameInput);
  form.appendChild(prechat);
  form.appendChild(email);
  form.appendChild(row);
  form.appendChild(consent);
  [header, status, log, typing, hints, form].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(panel);
  root.appendChild(launcher);

  function mount() { (document.body || document.documentElement).appendChild(host); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }

  // -- HTTP --------------------------------------------------------------------------------
  function call(method, path, body) {
    var form = body instanceof FormData, headers = form ? {} : {"Content-Type": "application/json"};
    if (state.token) { headers.Authorization = "Bearer " + state.token; }
    return fetch(BASE + path, {method: method, headers: headers, body: form ? body : body ? JSON.stringify(body) : undefined,
                               credentials: "omit", mode: "cors"}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var err = new Error(data.detail || r.status); err.status = r.status; throw err; }
        return data;
      });
    });
  }

  var session = null;
  function ensureSession(force) {
    if (session && !force) { return session; }
    var body = {channel: CHANNEL};
    if (state.pendingIdentity) { body.identity = state.pendingIdentity; }
    session = call("POST", "/widget/v1/sessions", body).catch(function (err) {
      if (err.status === 401 && body.identity) {  // a wrong hash: carry on as an anonymous visitor
        state.pendingIdentity = null;
        return call("POST", "/widget/v1/sessions", {channel: CHANNEL});
      }
      if (err.status === 401 && state.token) { forget(); return call("POST", "/widget/v1/sessions", {channel: CHANNEL}); }
      throw err;
    }).then(function (data) {
      var changed = data.token !== state.token;
      state.token = data.token;
      state.verified = !!data.verified;
      state.pendingIdentity = null;
      state.channel = data.channel;
      if (state.stored) { remember(); }
      showChannel();
      if (changed) { loadHistory(); }
      return data;
    });
    session.catch(function () { session = null; });
    return session;
  }

  function remember() {
    try { window.localStorage.setItem(STORE, state.token); state.stored = true; } catch (e) { /* private mode */ }
  }

  function forget() {
    state.token = null;
    state.stored = false;
    try { window.localStorage.removeItem(STORE); } catch (e) { /* ignore */ }
  }

  function loadHistory() {
    return call("GET", "/widget/v1/messages").then(function (data) {
      (data.results || []).forEach(function (m) { render(m, true); });
      if (data.cursor != null && data.cursor > state.cursor) { state.cursor = data.cursor; }
      state.chatting = !!data.open;
      if (state.channel) { showPrechat(state.channel); }
      showSeen(data.seen || 0);
      if (!state.open && data.unread) { state.unread = data.unread; showBadge(); }
      markRead();
      connect();
    }).catch(function (err) { if (err.status === 401) { forget(); session = null; } });
  }

  // -- live stream: fetch + a small server-sent-events reader (headers carry the token) ----
  function connect() {
    if (!state.token) { return; }
    var gen = ++state.streamGen;
    if (state.stream) { state.stream.abort(); }
    var ctrl = new AbortController();
    state.stream = ctrl;
    var headers = {Authorization: "Bearer " + state.token};
    if (state.cursor) { headers["Last-Event-ID"] = String(state.cursor); }
    fetch(BASE + "/widget/v1/stream", {headers: headers, signal: ctrl.signal, credentials: "omit", mode: "cors"})
      .then(function (r) {
        if (r.status === 401) { forget(); return; }
        if (!r.ok || !r.body) { throw new Error("stream " + r.status); }
        state.retries = 0;
        status.textContent = statusText();
        return read(r.body.getReader(), gen);
      })
      .then(function () { if (gen === state.streamGen && state.token) { setTimeout(connect, 200); } })
      .catch(function () {
        if (gen !== state.streamGen) { return; }
        state.retries += 1;
        if (state.open) { status.textContent = t("reconnecting"); }
        setTimeout(connect, Math.min(30000, 500 * Math.pow(2, state.retries)));
      });
  }

  function read(reader, gen) {
    var decoder = new TextDecoder(), buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done || gen !== state.streamGen) { return; }
        buffer += decoder.decode(chunk.value, {stream: true}).replace(/\r\n?/g, "\n");
        var at;
        while ((at = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
        }
        return pump();
      });
    }
    return pump();
  }

  function dispatch(block) {
    var kind = "message", data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) { kind = line.slice(6).trim(); }
      else if (line.indexOf("data:") === 0) { data += line.slice(5).trim(); }
    });
    if (!data) { return; }
    var value;
    try { value = JSON.parse(data); } catch (e) { return; }
    if (kind === "message") { render(value, false); typing.textContent = ""; }
    else if (kind === "cursor") { if (value > state.cursor) { state.cursor = value; } }
    else if (kind === "typing") { showTyping(value.name); }
    else if (kind === "seen") { showSeen(value.up_to); }
  }

  var typingTimer = null;
  function showTyping(name) {
    typing.textContent = t("typing", {name: name || t("agent")});
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typing.textContent = ""; }, 4000);
  }

  // -- rendering ---------------------------------------------------------------------------
  function bubble(author, name, text, files) {
    var node = el("div", {"class": "msg", "data-heedful": "message", "data-author": author, dir: "auto"});
    if (author === "agent") { node.appendChild(el("span", {"class": "who"}, name || t("agent"))); }
    if (text) { node.appendChild(el("span", {"class": "text"}, text)); }
    (files || []).forEach(function (f) { node.appendChild(attachment(f)); });
    return node;
  }

  // Files need the visitor's token, so they are fetched with it and shown from a blob URL.
  function blob(f) {
    return fetch(BASE + f.url, {headers: {Authorization: "Bearer " + state.token}, credentials: "omit", mode: "cors"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.blob(); })
      .then(function (b) { return URL.createObjectURL(b); });
  }

  function attachment(f) {
    var image = /^image\//.test(f.content_type);
    var node = el("button", {type: "button", "class": "att", "data-heedful": "attachment"}, image ? null : f.filename);
    if (image) {
      var img = el("img", {alt: f.filename});
      node.appendChild(img);
      blob(f).then(function (u) { img.src = u; }).catch(function () { node.textContent = f.filename; });
    }
    node.addEventListener("click", function () {
      blob(f).then(function (u) {
        var a = el("a", {href: u, download: f.filename});
        root.appendChild(a); a.click(); a.remove();
      });
    });
    return node;
  }

  function render(m, quiet) {
    if (state.shown[m.id]) { return; }
    state.shown[m.id] = true;
    var optimistic = m.client_id ? log.querySelector('[data-client-id="' + cssEscape(m.client_id) + '"]') : null;
    var node = bubble(m.author, m.name, m.survey ? "" : m.text, m.attachments);
    node.setAttribute("data-id", String(m.id));
    if (m.survey) { node.appendChild(surveyForm(m)); }
    if (m.author === "agent" && m.id > state.lastAgent) { state.lastAgent = m.id; }
    if (optimistic) { log.replaceChild(node, optimistic); } else { log.appendChild(node); }
    log.scrollTop = log.scrollHeight;
    if (!quiet && m.author === "agent" && !state.open) { state.unread += 1; showBadge(); }
    if (!quiet) { emit("message", m); markRead(); }
    showSeen(state.seen);
  }

  // -- receipts: "seen" under the visitor's newest message an agent read; replies read ------
  function showSeen(upTo) {
    if (upTo > state.seen) { state.seen = upTo; emit("seen", upTo); }
    var mine = log.querySelectorAll('[data-author="visitor"][data-id]'), last = mine[mine.length - 1];
    if (last && Number(last.getAttribute("data-id")) <= state.seen) { log.insertBefore(seenNode, last.nextSibling); }
    else if (seenNode.parentNode) { seenNode.remove(); }
  }

  var readTimer = null;
  function markRead() {
    if (!state.open || document.hidden || state.lastAgent <= state.readUpTo || !state.token) { return; }
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      var upTo = state.lastAgent;
      call("POST", "/widget/v1/read", {up_to: upTo}).then(function () { state.readUpTo = upTo; }).catch(function () {});
    }, 300);
  }
  document.addEventListener("visibilitychange", markRead);

  var lastTyping = 0;
  function typingPing() {
    var now = Date.now();
    if (!state.chatting || !state.token || now - lastTyping < 3000) { return; }
    lastTyping = now;
    call("POST", "/widget/v1/typing", {}).catch(function () {});
  }

  // -- self-service first: articles and solved topics while the first question is typed ----
  var hintTimer = null, hintQuery = "";
  function suggest() {
    clearTimeout(hintTimer);
    var q = composer.value.trim();
    if (state.chatting || q.length < 4) { hints.hidden = true; return; }
    hintTimer = setTimeout(function () {
      if (q === hintQuery) { return; }
      hintQuery = q;
      fetch(BASE + "/api/v1/knowledge/suggest?limit=3&q=" + encodeURIComponent(q), {credentials: "omit", mode: "cors"})
        .then(function (r) { return r.json(); }).then(function (data) {
          if (q !== hintQuery || state.chatting) { return; }
          hints.textContent = "";
          var found = (data.results || []).filter(function (h) { return /^https?:/.test(h.url); });
          if (found.length) { hints.appendChild(el("div", null, t("suggested"))); }
          found.forEach(function (h) {
            var a = el("a", {href: h.url, target: "_blank", rel: "noopener noreferrer", "data-heedful": "suggestion"}, h.title);
            a.addEventListener("click", function () {
              ensureSession().then(function () {
                return call("POST", "/widget/v1/suggestions/opened", {kind: h.kind, id: h.id, query: q});
              }).catch(function () {});
            });
            hints.appendChild(a);
          });
          hints.hidden = !found.length;
        }).catch(function () {});
    }, 350);
  }

  // -- the satisfaction survey the resolution sent, answered in place ----------------------
  function surveyForm(m) {
    var s = m.survey, tx = s.texts || {}, score = 0;
    var box = el("form", {"class": "survey", "data-heedful": "survey", lang: s.language || LANG});
    var done = el("p", {"data-heedful": "survey-thanks"}, tx.thanks);
    if (s.answered) { box.appendChild(done); return box; }
    box.appendChild(el("strong", null, tx.title));
    box.appendChild(el("span", null, tx.csat));
    var scale = el("div", {"class": "scale", role: "group"});
    [1, 2, 3, 4, 5].forEach(function (n) {
      var b = el("button", {type: "button", "data-heedful": "csat-" + n, "aria-pressed": "false"}, String(n));
      b.addEventListener("click", function () {
        score = n;
        scale.querySelectorAll("button").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
      });
      scale.appendChild(b);
    });
    box.appendChild(scale);
    box.appendChild(el("span", null, tx.why));
    var why = el("select", {"data-heedful": "why", "aria-label": tx.why});
    why.appendChild(el("option", {value: ""}, "—"));
    (s.choices || []).forEach(function (c) { why.appendChild(el("option", {value: c[0]}, c[1])); });
    var more = el("textarea", {"data-heedful": "why-text", "aria-label": tx.more, placeholder: tx.more, maxlength: "500"});
    var error = el("span", {role: "alert"});
    var submit = el("button", {type: "submit", "data-heedful": "survey-send"}, tx.send);
    [why, more, error, submit].forEach(function (n) { box.appendChild(n); });
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!score) { error.textContent = tx.error_csat; return; }
      if (!why.value) { error.textContent = tx.error_why; return; }
      call("POST", "/widget/v1/surveys/" + m.id, {csat: score, why: why.value, why_text: more.value})
        .then(function () { box.textContent = ""; box.appendChild(done); })
        .catch(function (err) { error.textContent = err.message; });
    });
    return box;
  }

  function cssEscape(value) { return String(value).replace(/[^A-Za-z0-9_-]/g, ""); }

  function showBadge() {
    badge.hidden = state.unread === 0;
    badge.textContent = state.unread ? String(state.unread) : "";
    launcher.setAttribute("aria-label", state.unread ? t("open") + ", " + t("unread", {n: state.unread}) : t("open"));
  }

  function statusText() {
    var a = state.channel && state.channel.availability;
    if (!a) { return ""; }
    if (a.reason === "closed") {
      var when = a.opens_at ? new Date(a.opens_at).toLocaleString(LANG, {weekday: "long", hour: "2-digit", minute: "2-digit"}) : "";
      return t("closed", {when: when});
    }
    if (a.reason === "no_agents") { return t("away"); }
    if (a.expected_wait_seconds != null) {
      var s = a.expected_wait_seconds;
      return t("wait", {wait: s < 60 ? t("lessMinute") : t("minutes", {n: Math.round(s / 60)})});
    }
    return "";
  }

  var greeted = false;
  function showChannel() {
    var c = state.channel || {};
    if (c.greeting && !greeted) {
      greeted = true;
      var g = el("div", {"class": "greeting msg", dir: "auto"}, c.greeting);
      log.insertBefore(g, log.firstChild);
    }
    status.textContent = statusText();
    var needEmail = !state.verified && (c.require_email || (c.availability && !c.availability.online));
    email.hidden = !needEmail;
    showPrechat(c);
    consent.hidden = !c.consent;
    consent.textContent = c.consent || "";
    emit("availability", c.availability);
  }

  function showPrechat(c) {
    if (!fieldInputs.length && c.fields && c.fields.length) {
      c.fields.forEach(function (f) {
        var input = el("input", {type: "text", maxlength: "200", placeholder: f.label + (f.required ? " *" : ""),
                                 "aria-label": f.label, "data-heedful": "prechat-field", "data-key": f.key});
        if (f.required) { input.setAttribute("aria-required", "true"); }
        fieldInputs.push({field: f, input: input});
        prechat.appendChild(input);
      });
    }
    nameInput.hidden = !c.ask_name || state.verified;
    prechat.hidden = state.chatting || (nameInput.hidden && !fieldInputs.length);
  }

  // The answers go with every message until the conversation is open (a second message may
  // reach the server before the first one opened it).
  function prechatAnswers() {
    var out = {name: "", fields: {}, missing: ""};
    if (prechat.hidden) { return out; }
    if (!nameInput.hidden) { out.name = nameInput.value.trim(); }
    fieldInputs.forEach(function (p) {
      var v = p.input.value.trim();
      if (v) { out.fields[p.field.key] = v; }
      else if (p.field.required && !out.missing) { out.missing = p.field.label; out.input = p.input; }
    });
    return out;
  }

  // -- sending -----------------------------------------------------------------------------
  function clientId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = composer.value.trim();
    if (!text) { return; }
    var c = state.channel || {};
    if (c.require_email && !state.verified && !email.value.trim()) {
      status.textContent = t("emailNeeded");
      email.focus();
      return;
    }
    var pre = prechatAnswers();
    if (pre.missing) {
      status.textContent = t("required", {field: pre.missing});
      pre.input.focus();
      return;
    }
    var id = clientId();
    var node = bubble("visitor", "", text);
    node.className += " pending";
    node.setAttribute("data-client-id", id);
    node.setAttribute("aria-label", t("sending"));
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    composer.value = "";
    var body = {text: text, client_id: id, page: location.href.slice(0, 500)};
    if (!email.hidden && email.value.trim()) { body.email = email.value.trim(); }
    if (pre.name) { body.name = pre.name; }
    if (Object.keys(pre.fields).length) { body.fields = pre.fields; }
    ensureSession().then(function () { return call("POST", "/widget/v1/messages", body); }).then(function () {
      node.classList.remove("pending");
      node.removeAttribute("aria-label");
      prechat.hidden = true;
      if (!state.stored) { remember(); }  // the first message: only now is anything stored
      if (body.email) { email.hidden = true; }
      state.chatting = true;
      hints.hidden = true;
    }).catch(function () {
      node.classList.remove("pending");
      node.classList.add("failed");
      node.setAttribute("aria-label", t("failed"));
      composer.value = text;
    });
  });

  composer.addEventListener("input", function () { typingPing(); suggest(); });

  clip.addEventListener("click", function () { picker.click(); });
  picker.addEventListener("change", function () {
    var chosen = Array.prototype.slice.call(picker.files || [], 0, 3);
    picker.value = "";
    if (!chosen.length) { return; }
    var id = clientId(), body = new FormData();
    body.append("client_id", id);
    body.append("page", location.href.slice(0, 500));
    if (!email.hidden && email.value.trim()) { body.append("email", email.value.trim()); }
    chosen.forEach(function (f) { body.append("files", f, f.name); });
    var node = bubble("visitor", "", chosen.map(function (f) { return f.name; }).join(", "));
    node.className += " pending";
    node.setAttribute("data-client-id", id);
    log.appendChild(node);
    ensureSession().then(function () { return call("POST", "/widget/v1/messages", body); }).then(function () {
      node.classList.remove("pending");
      state.chatting = true;
      if (!state.stored) { remember(); }
    }).catch(function (err) {
      node.classList.remove("pending");
      node.classList.add("failed");
      status.textContent = t("fileFailed", {why: err.message});
    });
  });

  composer.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { send.click(); }
    }
  });

  // -- open / close (WAI-ARIA dialog: focus moves in, Escape closes, focus returns) ---------
  function open() {
    if (state.open) { return; }
    state.open = true;
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    state.unread = 0;
    showBadge();
    ensureSession();
    composer.focus();
    markRead();
    emit("open");
  }

  function close() {
    if (!state.open) { return; }
    state.open = false;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
    emit("close");
  }

  launcher.addEventListener("click", function () { if (state.open) { close(); } else { open(); } });
  closer.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { close(); } });

  window.Heedful = {
    __loaded: true,
    open: open,
    close: close,
    toggle: function () { if (state.open) { close(); } else { open(); } },
    identify: function (who) {
      state.pendingIdentity = {id: who && who.id, email: who && who.email, name: who && who.name, hash: who && who.hash};
      if (session || state.open) { return ensureSession(true); }
      return Promise.resolve();
    },
    on: function (name, fn) { (listeners[name] = listeners[name] || []).push(fn); }
  };

  // A returning visitor (a token stored after an earlier chat) hears replies while closed.
  if (state.token) { ensureSession(); }
  emit("ready");
})();
