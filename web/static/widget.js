/*
 * Ügyfélkapu help-desk chat widget. Embed with one tag:
 *   <script src="https://helpdesk.example/widget/widget.js" data-rasa-url="https://bot.example" defer></script>
 * Options (data-*): rasa-url, gateway-url (default: where this file came from), lang (hu|en),
 * socket-path (/socket.io), storage-key.
 *
 * The assistant is reached over Rasa's socket.io channel `helpdesk_socketio`. When the bot hands the
 * chat to a person it sends {"handoff": {reference, escalation_id, chat_token}}; the widget then talks
 * to the gateway's chat relay (POST messages, an SSE stream of the agent's side) until the agent
 * hands back. The session id and its token (both issued by the channel: a session id alone joins
 * nothing), the visible history and the messages not yet acknowledged live in localStorage, so a
 * reload, a dropped connection or a Rasa restart continues the same conversation, in order, without
 * doubles (a message stays queued until the channel says Rasa stored it; one sent again is marked
 * `resend`, and the channel does not answer it twice). The history keeps a user's
 * message only as the channel stored it (secrets redacted, event `helpdesk_stored`), never the raw
 * text. Ids come from crypto.getRandomValues only: without it the widget does not start.
 * At the end of a chat — the agent closed the case, or the user pressed "End chat" — the widget asks
 * once for a 1–5 rating and an optional comment (POST /api/v1/conversations/<id>/rating, with the
 * case's chat token when there was one); ending while still waiting for an agent tells the gateway
 * (…/leave), which counts the case as abandoned.
 */
(function () {
  "use strict";
  if (window.HelpdeskWidget) return;
  if (!(window.crypto && typeof window.crypto.getRandomValues === "function")) return; // fail closed: no guessable ids

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    return all[all.length - 1];
  })();
  var data = script.dataset || {};
  var scriptUrl = new URL(script.src, window.location.href);
  var gatewayUrl = (data.gatewayUrl || scriptUrl.origin).replace(/\/$/, "");
  var rasaUrl = (data.rasaUrl || "http://127.0.0.1:5005").replace(/\/$/, "");
  var socketPath = data.socketPath || "/socket.io";
  var storageKey = data.storageKey || "hdw-state-v1";
  var MAX_HISTORY = 200;

  // The texts of every language (web/catalogue/*.yml with the facts of the letter filled in): the
  // gateway puts them in place of the marker when it serves this file.
  var TEXT = /*WIDGET_TEXTS*/{};

  // --- state (persisted) ------------------------------------------------------------------------
  function newId() {  // 128 random bits, hex, from crypto.getRandomValues only
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return hex;
  }
  var HIDDEN = "REDACTEDSECRET";
  function load() {
    try { var s = JSON.parse(localStorage.getItem(storageKey) || "null"); if (s && s.history && s.outbox) return unhidden(s); } catch (e) { /* start afresh */ }
    return { session_id: null, session_token: null, lang: data.lang === "en" ? "en" : "hu", langChosen: false, history: [], outbox: [], handoff: null, open: false,
      rating: null };  // rating: {token, done} once the chat ended and a rating was asked for
  }
  // A message still queued (typed while the assistant was down, then a reload) is shown as typed, not
  // as the placeholder its stored history copy holds: its text is in the outbox anyway, to be sent.
  function unhidden(s) {
    var queued = {};
    s.outbox.forEach(function (m) { if (m && m.cid) queued[m.cid] = typeof m.shown === "string" ? m.shown : m.text; });
    s.history.forEach(function (h) {
      if (h && h.kind === "user" && !h.stored && h.text === HIDDEN && typeof queued[h.cid] === "string") h.text = queued[h.cid];
    });
    return s;
  }
  var state = load();
  function stored(item) {  // what localStorage may keep of a history item
    if (item.kind !== "user" || item.stored) return item;
    var copy = {}; Object.keys(item).forEach(function (k) { copy[k] = item[k]; });
    copy.text = HIDDEN;  // not yet acknowledged: the raw text may hold a secret the widget cannot see
    return copy;
  }
  function save() {
    if (state.history.length > MAX_HISTORY) state.history = state.history.slice(-MAX_HISTORY);
    var kept = {}; Object.keys(state).forEach(function (k) { kept[k] = state[k]; });
    kept.history = state.history.map(stored);
    try { localStorage.setItem(storageKey, JSON.stringify(kept)); } catch (e) { /* private mode: keep in memory */ }
  }
  function storedAs(cid, text) {  // the channel's (or relay's) copy, secrets redacted, replaces the typed text
    if (!cid || typeof text !== "string") return;
    var changed = false;
    state.history.forEach(function (h) { if (h.cid === cid && h.kind === "user") { if (h.text !== text) changed = true; h.text = text; h.stored = true; } });
    save();
    if (changed) renderAll();
  }
  function t(key, values) {  // the text `key` in the chat's language, {placeholders} filled from values
    return String(TEXT[state.lang][key]).replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : all;
    });
  }

  // --- DOM ----------------------------------------------------------------------------------------
  var css = document.createElement("link");
  css.rel = "stylesheet"; css.href = gatewayUrl + "/widget/widget.css";
  document.head.appendChild(css);

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }
  var root = el("div", "hdw-root");
  root.setAttribute("lang", state.lang);
  var launcher = el("button", "hdw-launcher"); launcher.type = "button"; launcher.setAttribute("aria-expanded", "false");
  var panel = el("section", "hdw-panel"); panel.id = "hdw-panel"; launcher.setAttribute("aria-controls", panel.id);
  var head = el("div", "hdw-head");
  var title = el("h2", "hdw-title"); title.id = "hdw-title"; panel.setAttribute("aria-labelledby", title.id);
  var langBtn = el("button", "hdw-lang"); langBtn.type = "button";
  var endBtn = el("button", "hdw-end"); endBtn.type = "button";
  var closeBtn = el("button", "hdw-close"); closeBtn.type = "button";
  head.appendChild(title); head.appendChild(langBtn); head.appendChild(endBtn); head.appendChild(closeBtn);
  var stateLine = el("p", "hdw-state"); stateLine.setAttribute("role", "status"); stateLine.style.margin = "0";
  var log = el("div", "hdw-log"); log.setAttribute("role", "log"); log.setAttribute("aria-live", "polite"); log.tabIndex = 0;
  var typing = el("div", "hdw-typing"); typing.setAttribute("aria-live", "polite");
  var warnBox = el("div", "hdw-warn"); warnBox.setAttribute("role", "alert"); warnBox.hidden = true;
  var compose = el("form", "hdw-compose");
  var inputLabel = el("label", "hdw-sr"); inputLabel.htmlFor = "hdw-input";
  var input = el("textarea"); input.id = "hdw-input"; input.rows = 2; input.maxLength = 2000;
  var sendBtn = el("button", "hdw-send"); sendBtn.type = "submit";
  compose.appendChild(inputLabel); compose.appendChild(input); compose.appendChild(sendBtn);
  [head, stateLine, log, typing, warnBox, compose].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(launcher); root.appendChild(panel);

  function labels() {
    root.setAttribute("lang", state.lang);
    launcher.textContent = t("launcher");
    title.textContent = t("title");
    langBtn.textContent = t("other"); langBtn.setAttribute("aria-label", t("otherLabel")); langBtn.lang = state.lang === "hu" ? "en" : "hu";
    closeBtn.textContent = "×"; closeBtn.setAttribute("aria-label", t("closeLabel")); closeBtn.title = t("close");
    endBtn.textContent = t("endChat");
    endBtn.hidden = !state.history.length || !!state.rating;
    inputLabel.textContent = t("input"); input.placeholder = t("placeholder"); sendBtn.textContent = t("send");
    log.setAttribute("aria-label", t("log"));
    renderState();
  }

  // --- rendering ------------------------------------------------------------------------------
  var LINK = /(https?:\/\/[^\s<]+|www\.[^\s<]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;
  function linkified(text) {
    var frag = document.createDocumentFragment(), last = 0, m;
    LINK.lastIndex = 0;
    while ((m = LINK.exec(text))) {
      var raw = m[0].replace(/[.,;:!?)]+$/, "");
      frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement("a");
      a.textContent = raw;
      a.href = raw.indexOf("@") > 0 && raw.indexOf("/") < 0 ? "mailto:" + raw : (raw.indexOf("http") === 0 ? raw : "https://" + raw);
      a.target = "_blank"; a.rel = "noopener noreferrer";
      frag.appendChild(a);
      last = m.index + raw.length;
      LINK.lastIndex = last;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }
  function timeOf(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString(state.lang === "hu" ? "hu-HU" : "en-GB", { hour: "2-digit", minute: "2-digit" });
  }
  function renderItem(item) {
    var li = el("div", "hdw-msg hdw-" + item.kind + (item.pending ? " hdw-pending" : ""));
    if (item.cid) li.setAttribute("data-cid", item.cid);
    if (item.kind !== "system") {
      var who = item.kind === "user" ? t("you") : item.kind === "agent" ? (item.name || t("agent")) : t("bot");
      li.appendChild(el("span", "hdw-who", who));
    }
    var body = el("span", "hdw-text"); body.appendChild(linkified(item.text)); li.appendChild(body);
    var meta = el("span", "hdw-meta");
    meta.appendChild(el("time", "", timeOf(item.at)));
    if (item.kind === "user" && item.pending) meta.appendChild(document.createTextNode(" · " + t("pending")));
    li.appendChild(meta);
    return li;
  }
  function renderButtons(buttons) {
    var box = el("div", "hdw-buttons"); box.setAttribute("role", "group");
    buttons.forEach(function (b) {
      var btn = el("button", "", b.title); btn.type = "button";
      btn.addEventListener("click", function () { box.remove(); sendText(b.title, b.payload); });
      box.appendChild(btn);
    });
    return box;
  }
  function renderAll() {
    log.replaceChildren();
    if (!state.history.length) log.appendChild(renderItem({ kind: "system", text: t("intro"), at: new Date().toISOString() }));
    state.history.forEach(function (item, i) {
      log.appendChild(renderItem(item));
      if (item.buttons && item.buttons.length && i === state.history.length - 1) log.appendChild(renderButtons(item.buttons));
    });
    if (pendingForm) log.appendChild(pendingForm);
    if (state.rating) log.appendChild(ratingBox());
    log.scrollTop = log.scrollHeight;
  }
  function add(item) {
    item.at = item.at || new Date().toISOString();
    state.history.push(item);
    save();
    var old = log.querySelector(".hdw-buttons"); if (old) old.remove();
    var intro = state.history.length === 1 ? log.querySelector(".hdw-system") : null; if (intro) intro.remove();
    endBtn.hidden = !!state.rating;
    log.appendChild(renderItem(item));
    if (item.buttons && item.buttons.length) log.appendChild(renderButtons(item.buttons));
    log.scrollTop = log.scrollHeight;
  }
  function markSent(cid) {
    state.history.forEach(function (h) { if (h.cid === cid) h.pending = false; });
    save();
    var li = log.querySelector('div[data-cid="' + cid + '"]');
    if (li) { li.classList.remove("hdw-pending"); var meta = li.querySelector(".hdw-meta"); if (meta && meta.childNodes.length > 1) meta.removeChild(meta.lastChild); }
  }
  var connection = "connecting";
  function renderState() {
    var h = state.handoff, text, agentMode = false;
    if (h && h.agent) { text = t("withAgent", { name: h.agent }); agentMode = true; }
    else if (h && h.closed && !(Date.parse(h.closed.back_at) <= Date.now())) text = t("closedWaiting", { reference: h.reference, back: h.closed.back[state.lang] });
    else if (h) text = t(h.position ? "waitingAt" : "waiting", { reference: h.reference, position: h.position }) + expectedText(h);
    else if (connection === "up") text = t("withBot");
    else if (connection === "offline") text = t("offline");
    else if (connection === "down") text = t("down");  // the network is there, the assistant is not: S11
    else if (connection === "failed") text = t("unavailable");
    else text = t("connecting");
    if (!navigator.onLine && connection !== "failed" && connection !== "offline") text = t("offline") + " " + text;
    stateLine.textContent = text;
    stateLine.className = "hdw-state" + (agentMode ? " hdw-agent" : "");
  }

  // --- the secret warning (S7, S8): a code or password never belongs in a chat ---------------------
  var CODE_LIKE = /(^|[^0-9A-Za-z])(?=[0-9A-Za-z -]*\d)[0-9A-Za-z]{4}[ -]?[0-9A-Za-z]{4}[ -]?[0-9A-Za-z]{4}[ -]?[0-9A-Za-z]{4}([^0-9A-Za-z]|$)/;
  var PASSWORD_SAID = /(jelsz[oó]|jelszavam|jelszó|password|passwd|pwd)\s*(?:[:=]|is|az|:?\s*hogy)?\s*["']?(?=\S*[\d!@#$%^&*?+_])\S{6,}/i;
  var STRONG_TOKEN = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)\S{8,}$/;
  function looksSecret(text) {
    var s = text.trim();
    return CODE_LIKE.test(s) || PASSWORD_SAID.test(s) || STRONG_TOKEN.test(s);
  }
  function warnThen(text, send) {
    warnBox.replaceChildren(el("p", "", t("warn")));
    var yes = el("button", "", t("sendAnyway")); yes.type = "button";
    var no = el("button", "", t("edit")); no.type = "button";
    yes.addEventListener("click", function () { warnBox.hidden = true; send(); input.focus(); });
    no.addEventListener("click", function () { warnBox.hidden = true; input.value = text; input.focus(); });
    warnBox.appendChild(yes); warnBox.appendChild(document.createTextNode(" ")); warnBox.appendChild(no);
    warnBox.hidden = false;
    no.focus();
  }

  // --- sending: one ordered outbox for both destinations ---------------------------------------
  function sendText(shown, payload) {
    var cid = newId();
    add({ kind: "user", text: shown, cid: cid, pending: true });
    var item = { cid: cid, text: payload || shown, to: state.handoff ? "agent" : "bot" };
    if (payload && payload !== shown) item.shown = shown;  // a button's title (no secret) for a reload's view
    state.outbox.push(item);
    save();
    flush();
  }
  // A message to the assistant stays first in the outbox until the channel acknowledges it
  // (`helpdesk_stored`, sent once Rasa has stored the turn, or `helpdesk_error` with its id): one on
  // the socket when Rasa dies is sent again after the reconnect, marked `resend`, and the channel
  // answers it only if Rasa had not stored it. One message at a time, so they arrive in order.
  var flushing = false, retryTimer = null, awaiting = null, ackTimer = null, ACK_TIMEOUT_MS = 20000;
  function flush() {
    if (flushing || !state.outbox.length) return;
    var item = state.outbox[0];
    if (item.to === "agent" && !state.handoff) item.to = "bot";
    if (item.to === "bot") {
      if (!socket || !socket.connected || !confirmed) return; // sent on (re)connect
      if (awaiting === item.cid) return; // on the socket: its acknowledgement comes
      var metadata = state.langChosen ? { language: state.lang } : {};
      var resend = !!item.emitted;  // it may have reached Rasa before: the channel answers it only once
      item.emitted = true; save();
      awaiting = item.cid;
      socket.emit("user_uttered", { message: item.text, client_message_id: item.cid, metadata: metadata, resend: resend });
      showTyping();
      clearTimeout(ackTimer);  // no acknowledgement on a live socket (a lost event): send it again
      ackTimer = setTimeout(function () { if (awaiting === item.cid) { awaiting = null; flush(); } }, ACK_TIMEOUT_MS);
      return;
    }
    flushing = true;
    var h = state.handoff;
    fetch(relayUrl("messages"), { method: "POST", headers: relayHeaders({ "Content-Type": "application/json" }),
      body: JSON.stringify({ text: item.text, client_message_id: item.cid }) })
      .then(function (r) {
        if (r.status === 201 || r.status === 200) {
          state.outbox.shift(); save(); markSent(item.cid);
          return r.json().then(function (m) { storedAs(item.cid, m && m.text); }, function () { /* no copy: stays hidden */ }).then(function () { return true; });
        }
        if (r.status === 409 || r.status === 403) { if (state.handoff === h) endHandoff(); return true; }
        if (r.status === 422) { state.outbox.shift(); save(); return true; } // cannot be sent as it is
        throw new Error("relay " + r.status);
      })
      .then(function () { flushing = false; flush(); })
      .catch(function () { flushing = false; scheduleRetry(); });
  }
  function acknowledged(cid, text) {  // the channel has the message (or answered it with an error)
    if (!cid) return;
    state.outbox = state.outbox.filter(function (m) { return !(m.cid === cid && m.to === "bot"); });
    if (awaiting === cid) { awaiting = null; clearTimeout(ackTimer); }
    markSent(cid); storedAs(cid, text);  // both save
    flush();
  }
  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, 1500);
  }
  var typingTimer = null;
  function showTyping() {
    typing.textContent = t("typing");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typing.textContent = ""; }, 8000);
  }

  // --- Rasa socket.io -------------------------------------------------------------------------
  var socket = null, confirmed = false;
  function loadSocketIo(done) {
    if (window.io) return done();
    var s = document.createElement("script");
    s.src = gatewayUrl + "/widget/vendor/socket.io.min.js";
    s.onload = done;
    s.onerror = function () { connection = "failed"; renderState(); };
    document.head.appendChild(s);
  }
  // The conversation id rides in the connection URL as well (`conversation`), so that the proxy in
  // front of several Rasa processes hashes every connection of one conversation to the one process
  // that also gets its phone turns and the console's calls (docs/deploy.md). The id alone joins
  // nothing: the session token does.
  function routeQuery() { return state.session_id ? { conversation: state.session_id } : {}; }
  function connectBot() {
    socket = window.io(rasaUrl, { path: socketPath, transports: ["websocket"], reconnection: true,
      reconnectionDelay: 500, reconnectionDelayMax: 3000, query: routeQuery() });
    socket.io.on("reconnect_attempt", function () { socket.io.opts.query = routeQuery(); });
    socket.on("connect", function () {
      socket.emit("session_request", state.session_id ? { session_id: state.session_id, session_token: state.session_token } : {});
    });
    socket.on("session_confirm", function (s) {
      if (s && typeof s === "object" && s.session_id) { state.session_id = s.session_id; state.session_token = s.session_token; save(); }
      if (state.session_id && socket.io.opts.query.conversation !== state.session_id) {
        // a new conversation: reconnect once with its id, before the first message, to reach its process
        socket.io.opts.query = routeQuery(); socket.disconnect(); socket.connect(); return;
      }
      confirmed = true; connection = "up"; renderState(); flush();
    });
    socket.on("helpdesk_stored", function (m) { if (m) acknowledged(m.client_message_id, m.text); });
    socket.on("disconnect", function () { confirmed = false; awaiting = null; connection = "offline"; renderState(); });
    // The browser is online but the assistant does not answer (a restart, an outage): say so, with
    // the S11 help line; typed messages stay queued and go out once it is back (docs/RELIABILITY.md).
    socket.on("connect_error", function () { connection = navigator.onLine ? "down" : "offline"; renderState(); });
    socket.on("bot_uttered", onBotMessage);
    socket.on("helpdesk_error", function (err) {
      if (err && err.message) add({ kind: "system", text: err.message });
      if (err && err.client_message_id) acknowledged(err.client_message_id, err.text);  // answered: not sent again
    });
  }
  function handoffOf(msg) {
    if (!msg || typeof msg !== "object") return null;
    return msg.handoff || (msg.custom && msg.custom.handoff) || (msg.data && msg.data.handoff) || null;
  }
  function onBotMessage(msg) {
    typing.textContent = "";
    var handoff = handoffOf(msg);
    if (handoff && handoff.chat_token) startHandoff(handoff);
    var text = msg && typeof msg.text === "string" ? msg.text : "";
    var buttons = (msg && (msg.quick_replies || msg.buttons)) || [];
    if (text || buttons.length) add({ kind: "bot", text: text, buttons: buttons.map(function (b) { return { title: b.title, payload: b.payload || b.title }; }) });
  }

  // --- the gateway's chat relay during an escalation ------------------------------------------------
  function relayUrl(what) {
    return gatewayUrl + "/api/v1/chat/" + encodeURIComponent(state.handoff.conversation_id) + "/" + what;
  }
  function relayHeaders(extra) {
    var h = { Authorization: "Bearer " + state.handoff.chat_token };
    Object.keys(extra || {}).forEach(function (k) { h[k] = extra[k]; });
    return h;
  }
  function closedOf(c) {  // out of working hours: when the agents are back (kernel.hours, in both languages)
    if (!c || typeof c !== "object" || !c.back || typeof c.back.hu !== "string" || typeof c.back.en !== "string") return null;
    return { back_at: typeof c.back_at === "string" ? c.back_at : null, back: { hu: c.back.hu, en: c.back.en } };
  }
  function startHandoff(h) {
    if (state.handoff && state.handoff.escalation_id === h.escalation_id) return;
    state.handoff = { conversation_id: h.conversation_id || state.session_id, reference: h.reference, escalation_id: h.escalation_id,
      chat_token: h.chat_token, last_event_id: 0, agent: null, position: null, closed: closedOf(h.closed) };
    save(); renderState(); openStream();
  }
  function endHandoff(closedByAgent) {
    var h = state.handoff;
    if (h) state.lastChatToken = h.chat_token;  // a chat handed back is rated later with its case's token
    state.handoff = null; pendingForm = null;
    if (streamCtl) { streamCtl.abort(); streamCtl = null; }
    add({ kind: "system", text: t("back") });
    if (closedByAgent && h) askRating(h.chat_token);
    renderState(); flush();
  }
  // The expected wait while no agent has the chat yet (the gateway's estimate, agents/waits.py):
  // read at once and every 15 s from the relay; null means nobody can take the chat right now.
  function expectedText(h) {
    if (h.expected === undefined) return "";
    if (h.expected === null) return " " + t("expectedUnknown");
    if (h.expected < 60) return " " + t("expectedSoon");
    return " " + t("expectedMinutes", { minutes: Math.ceil(h.expected / 60) });
  }
  var waitTimer = null;
  function watchWait() {
    var h = state.handoff;
    if (waitTimer || !h || h.agent) return;
    waitTimer = true;
    fetch(relayUrl("wait"), { headers: relayHeaders(), cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (b) {
        if (b && state.handoff === h && !h.agent && b.status === "waiting") {
          h.expected = b.expected_wait_s; if (b.position) h.position = b.position; renderState();
        }
      })
      .catch(function () {})
      .then(function () { waitTimer = setTimeout(function () { waitTimer = null; watchWait(); }, 15000); });
  }
  var streamCtl = null;
  function openStream() {
    watchWait();
    if (!state.handoff || streamCtl) return;
    var h = state.handoff, ctl = new AbortController();
    streamCtl = ctl;
    fetch(relayUrl("events"), { headers: relayHeaders({ "Last-Event-ID": String(h.last_event_id || 0) }),
      signal: ctl.signal, cache: "no-store" })
      .then(function (r) {
        if (r.status === 403) { if (state.handoff === h) endHandoff(); return; }
        if (!r.ok || !r.body) throw new Error("stream " + r.status);
        return readEvents(r.body, function (name, payload, id) { if (state.handoff === h) onRelayEvent(name, payload, id); });
      })
      .catch(function () { /* reconnect below */ })
      .then(function () {
        if (streamCtl === ctl) streamCtl = null;
        if (state.handoff) setTimeout(openStream, navigator.onLine ? 800 : 2000);
      });
  }
  function readEvents(body, onEvent) {
    var reader = body.getReader(), decoder = new TextDecoder(), buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split("\n\n");
        buffer = parts.pop();
        parts.forEach(function (block) {
          var name = "message", dataText = "", id = null;
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) name = line.slice(7);
            else if (line.indexOf("data: ") === 0) dataText += line.slice(6);
            else if (line.indexOf("id: ") === 0) id = parseInt(line.slice(4), 10);
          });
          if (dataText) onEvent(name, JSON.parse(dataText), id);
        });
        return pump();
      });
    }
    return pump();
  }
  function onRelayEvent(name, ev, id) {
    var h = state.handoff;
    if (id) { if (id <= (h.last_event_id || 0)) return; h.last_event_id = id; }
    if (name === "state") {
      if (ev.status === "closed" || ev.status === "handed_back") return endHandoff(ev.status === "closed");
      h.agent = ev.status === "claimed" ? ev.agent : null; h.position = ev.position; h.reference = ev.reference;
      if (ev.status === "waiting" && "expected_wait_s" in ev) h.expected = ev.expected_wait_s;
    } else if (name === "agent_joined") {
      h.agent = ev.text || ev.agent; add({ kind: "system", text: t("joined", { name: h.agent }) });
    } else if (name === "message" && ev.sender === "agent") {
      add({ kind: "agent", text: ev.text, name: ev.agent, at: ev.at });
    } else if (name === "message" && ev.sender === "user") {
      if (ev.client_message_id) { markSent(ev.client_message_id); storedAs(ev.client_message_id, ev.text); }
    } else if (name === "new_code_form") {
      showCodeForm();
    } else if (name === "new_code_requested") {
      add({ kind: "system", text: t("codeRequested") });
    } else if (name === "handed_back" || name === "closed") {
      return endHandoff(name === "closed");
    }
    save(); renderState();
  }
  var pendingForm = null;
  function showCodeForm() {
    var form = el("form", "hdw-form"); form.setAttribute("aria-label", t("requestCode"));
    form.appendChild(el("p", "", t("formIntro")));
    [["username", "text", "username"], ["email", "email", "email"]].forEach(function (f) {
      var id = "hdw-f-" + f[0] + "-" + newId().slice(0, 6);
      var label = el("label", "", t(f[0])); label.htmlFor = id;
      var field = el("input"); field.id = id; field.name = f[0]; field.type = f[1]; field.required = true; field.autocomplete = f[2];
      form.appendChild(label); form.appendChild(field);
    });
    var submit = el("button", "", t("requestCode")); submit.type = "submit"; form.appendChild(submit);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!state.handoff) return;
      submit.disabled = true;
      fetch(relayUrl("new-code"), { method: "POST", headers: relayHeaders({ "Content-Type": "application/json" }),
        body: JSON.stringify({ username: form.elements.username.value, email: form.elements.email.value }) })
        .then(function (r) { if (r.status !== 202) throw new Error(String(r.status)); li.remove(); pendingForm = null; })
        .catch(function () { submit.disabled = false; });
    });
    var li = el("div"); li.appendChild(form); pendingForm = li;
    log.appendChild(li); log.scrollTop = log.scrollHeight;
    form.elements.username.focus();
  }

  // --- satisfaction (CSAT): one rating per conversation ------------------------------------------
  function askRating(token) {
    if (state.rating) return;
    state.rating = { token: token || null, done: false, choice: null };
    save(); endBtn.hidden = true;
    var old = log.querySelector(".hdw-rating"); if (old) old.remove();
    log.appendChild(ratingBox()); log.scrollTop = log.scrollHeight;
    var first = log.querySelector(".hdw-rating button"); if (first) first.focus();
  }
  function ratingBox() {
    var r = state.rating, box = el("div", "hdw-rating");
    if (r.done) { box.appendChild(el("p", "hdw-rating-done", t(r.done === "failed" ? "rateFailed" : r.done === "skipped" ? "rateSkipped" : "rateThanks"))); box.setAttribute("role", "status"); return box; }
    var form = el("form", "hdw-form"); form.setAttribute("aria-labelledby", "hdw-rate-q");
    var q = el("p", "", t("rateQuestion")); q.id = "hdw-rate-q"; form.appendChild(q);
    var scale = el("div", "hdw-stars"); scale.setAttribute("role", "radiogroup"); scale.setAttribute("aria-labelledby", "hdw-rate-q");
    for (var n = 1; n <= 5; n++) (function (n) {
      var b = el("button", "hdw-star", String(n)); b.type = "button";
      b.setAttribute("role", "radio"); b.setAttribute("aria-checked", String(r.choice === n));
      b.setAttribute("aria-label", t("rateValue", { n: n }) + (n === 1 ? " – " + t("rateLow") : n === 5 ? " – " + t("rateHigh") : ""));
      b.addEventListener("click", function () { r.choice = n; save(); Array.prototype.forEach.call(scale.children, function (c, i) { c.setAttribute("aria-checked", String(i + 1 === n)); }); send.disabled = false; });
      scale.appendChild(b);
    })(n);
    form.appendChild(scale);
    form.appendChild(el("p", "hdw-scale", "1 = " + t("rateLow") + " · 5 = " + t("rateHigh")));
    var id = "hdw-rate-c"; var label = el("label", "", t("rateComment")); label.htmlFor = id;
    var comment = el("textarea"); comment.id = id; comment.rows = 2; comment.maxLength = 1000; comment.placeholder = t("rateCommentHint");
    form.appendChild(label); form.appendChild(comment);
    var send = el("button", "hdw-rate-send", t("rateSend")); send.type = "submit"; send.disabled = !r.choice;
    var skip = el("button", "hdw-rate-skip", t("rateSkip")); skip.type = "button";
    var row = el("div", "hdw-buttons"); row.appendChild(send); row.appendChild(skip); form.appendChild(row);
    skip.addEventListener("click", function () { r.done = "skipped"; save(); box.replaceWith(ratingBox()); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!r.choice || !state.session_id) return;
      send.disabled = true;
      var headers = { "Content-Type": "application/json" };
      if (r.token) headers.Authorization = "Bearer " + r.token;
      fetch(gatewayUrl + "/api/v1/conversations/" + encodeURIComponent(state.session_id) + "/rating", { method: "POST", headers: headers,
        body: JSON.stringify({ rating: r.choice, comment: comment.value.trim(), language: state.lang }) })
        .then(function (res) { r.done = res.status === 201 || res.status === 200 ? "thanks" : "failed"; })
        .catch(function () { r.done = "failed"; })
        .then(function () { save(); var fresh = ratingBox(); box.replaceWith(fresh); });
    });
    box.appendChild(form);
    return box;
  }
  function endChat() {
    var h = state.handoff;
    if (h && !h.agent) {  // still waiting for an agent: the case ends as abandoned
      fetch(gatewayUrl + "/api/v1/conversations/" + encodeURIComponent(h.conversation_id) + "/leave", { method: "POST", headers: relayHeaders({}) })
        .catch(function () { /* the agent will see it as waiting; nothing else to do */ });
      state.handoff = null; pendingForm = null;
      if (streamCtl) { streamCtl.abort(); streamCtl = null; }
      renderState();
    }
    askRating(h ? h.chat_token : state.lastChatToken || null);
  }

  // --- wiring --------------------------------------------------------------------------------------
  function setOpen(open) {
    state.open = open; save();
    root.classList.toggle("hdw-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    if (open) { input.focus(); log.scrollTop = log.scrollHeight; } else launcher.focus();
  }
  launcher.addEventListener("click", function () { setOpen(true); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  endBtn.addEventListener("click", endChat);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });
  langBtn.addEventListener("click", function () {
    state.lang = state.lang === "hu" ? "en" : "hu"; state.langChosen = true; save(); labels(); renderAll();
  });
  compose.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    if (looksSecret(text)) warnThen(text, function () { sendText(text); });
    else sendText(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); compose.requestSubmit ? compose.requestSubmit() : compose.dispatchEvent(new Event("submit")); }
  });
  window.addEventListener("online", function () { renderState(); flush(); if (state.handoff) openStream(); });
  window.addEventListener("offline", renderState);
  window.addEventListener("storage", function (e) { if (e.key === storageKey) { state = load(); labels(); renderAll(); } });

  function start() {
    document.body.appendChild(root);
    labels(); renderAll(); setOpen(!!state.open);
    if (state.handoff) openStream();
    loadSocketIo(connectBot);
    flush();
  }
  window.HelpdeskWidget = {
    sessionId: function () { return state.session_id; },
    mode: function () { return state.handoff ? "agent" : "bot"; },
    endChat: endChat,
    open: function () { setOpen(true); },
    looksSecret: looksSecret,
    // For a host page that learns of the handoff another way: the same as the bot's handoff payload.
    handoff: function (h) { if (h && h.chat_token) startHandoff(h); },
    // Tests and the benchmark simulate a dropped connection to the bot with this.
    dropConnection: function () { if (socket && socket.io && socket.io.engine) socket.io.engine.close(); }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
