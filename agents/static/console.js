// Agent console: live queue (polled every 2 s), live messages of an open case (every 1 s),
// replies sent without reloading. Works without JS too (plain forms).
(function () {
  "use strict";
  var csrf = document.body.getAttribute("data-csrf") || "";
  // The console's texts in the agent's language (agents/texts/<language>.yml, sent by the page).
  var TEXTS = JSON.parse(document.body.getAttribute("data-texts") || "{}");
  function t(key, values) {
    return (TEXTS[key] || key).replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? String(values[name]) : "";
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) { window.location.href = "/agents/login?idle=1"; throw new Error("logged out"); }
      return r.json();
    });
  }
  function claimForm(item) {
    var form = el("form", { method: "post", action: item.claim_url, class: "inline" });
    form.appendChild(el("input", { type: "hidden", name: "csrf_token", value: csrf }));
    form.appendChild(el("button", { type: "submit" }, t("claim_button")));
    return form;
  }
  function renderQueue(table, items) {
    var body = table.tBodies[0];
    var rows = items.map(function (it) {
      var tr = el("tr", it.unrouted ? { "data-id": it.id, class: "unrouted" } : { "data-id": it.id });
      var ref = el("td"); ref.appendChild(el("a", { href: it.url }, it.reference)); tr.appendChild(ref);
      tr.appendChild(el("td", {}, t("channel_" + it.channel) + (it.caller ? " " + it.caller : "") + (it.call ? " (" + t("call_" + it.call) + ")" : "")));
      tr.appendChild(el("td", {}, it.language));
      var s = it.waiting_seconds; tr.appendChild(el("td", {}, Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2)));
      tr.appendChild(el("td", {}, it.position ? String(it.position) : ""));
      tr.appendChild(el("td", {}, it.reason));
      tr.appendChild(el("td", {}, (it.tried || []).join(", ")));
      var st = el("td", {}, t("status_" + it.status, { name: it.claimed_by || "" }));
      if (it.offered_to) st.appendChild(el("span", { class: "muted" }, " (" + t("queue_offered_to", { name: it.offered_to }) + ")"));
      if (it.unrouted) { st.appendChild(document.createTextNode(" ")); st.appendChild(el("strong", { class: "alert" }, t("queue_unrouted"))); }
      tr.appendChild(st);
      var act = el("td");
      if (it.status === "waiting" || (it.status === "callback" && !it.claimed_by)) act.appendChild(claimForm(it)); else act.appendChild(el("a", { href: it.url }, t("open_link")));
      tr.appendChild(act);
      return tr;
    });
    if (!rows.length) { var tr = el("tr", { class: "empty" }); tr.appendChild(el("td", { colspan: "9" }, t("queue_empty"))); rows.push(tr); }
    // keep keyboard focus if it sits inside the table
    var focusedId = document.activeElement && document.activeElement.closest("tr") && document.activeElement.closest("tr").getAttribute("data-id");
    body.replaceChildren.apply(body, rows);
    if (focusedId) { var again = body.querySelector('tr[data-id="' + focusedId + '"] button, tr[data-id="' + focusedId + '"] a'); if (again) again.focus(); }
    var status = document.getElementById("queue-status");
    if (status) { var waiting = items.filter(function (i) { return i.status === "waiting"; }).length; status.textContent = t("queue_waiting_count", { count: waiting }); }
  }
  // Routing: the case offered to this agent, with Accept (the case page opens) and Pass.
  function offerForm(url, label, cls, after) {
    var form = el("form", { method: "post", action: url, class: "inline " + cls });
    form.appendChild(el("input", { type: "hidden", name: "csrf_token", value: csrf }));
    form.appendChild(el("button", { type: "submit" }, label));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf } })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (res) { after(res); })
        .catch(function () { form.submit(); });
    });
    return form;
  }
  function renderOffer(offer) {
    var box = document.getElementById("offer-box");
    if (!box) return;
    var shown = box.querySelector("[data-offer]");
    if (!offer) { if (shown) box.replaceChildren(); return; }
    if (shown && shown.getAttribute("data-offer") === String(offer.id)) {
      var hint = shown.querySelector(".hint"); if (hint) hint.textContent = t("offer_expires", { seconds: offer.expires_in_s });
      return;
    }
    var sec = el("section", { class: "offer", id: "offer", "data-offer": String(offer.id), "aria-labelledby": "offer-h" });
    sec.appendChild(el("h2", { id: "offer-h" }, t("offer_heading")));
    var p = el("p", { class: "offer-case" }); p.appendChild(el("strong", {}, offer.reference));
    p.appendChild(document.createTextNode(" · " + t("channel_" + offer.channel) + " · " + offer.language + " · " + offer.reason));
    sec.appendChild(p);
    sec.appendChild(el("p", { class: "hint" }, t("offer_expires", { seconds: offer.expires_in_s })));
    sec.appendChild(offerForm(offer.accept_url, t("offer_accept"), "offer-accept", function (res) {
      if (res.ok && res.body.url) { window.location.href = res.body.url; return; }
      box.replaceChildren(el("p", { class: "flash error", role: "alert" }, res.body.message || t("error_generic")));
    }));
    sec.appendChild(document.createTextNode(" "));
    sec.appendChild(offerForm(offer.pass_url, t("offer_pass"), "offer-pass", function (res) {
      box.replaceChildren(el("p", { class: "flash " + (res.ok ? "info" : "error"), role: "status" }, res.body.message || ""));
    }));
    box.replaceChildren(sec);
  }
  function pollOffer(box) {  // the console's other pages: only the offer, every 3 s
    getJSON(box.getAttribute("data-source")).then(function (data) { renderOffer(data.offer); })
      .catch(function () {}).then(function () { setTimeout(function () { pollOffer(box); }, 3000); });
  }
  function pollQueue(table) {
    getJSON(table.getAttribute("data-source")).then(function (data) { renderQueue(table, data.items); renderOffer(data.offer); })
      .catch(function () {}).then(function () { setTimeout(function () { pollQueue(table); }, 2000); });
  }
  // The supervisor's live view: the server renders the part (escaped by the template), we swap it in.
  function pollLive(box) {
    fetch(box.getAttribute("data-source"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (r.status === 401 || r.redirected) { window.location.href = "/agents/login?idle=1"; throw new Error("logged out"); }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html");
        box.replaceChildren.apply(box, Array.prototype.slice.call(doc.body.firstChild.childNodes));
      })
      .catch(function () {}).then(function () { setTimeout(function () { pollLive(box); }, 3000); });
  }
  function appendMessage(list, m) {
    var li = el("li", { class: m.sender + " " + m.kind, "data-id": String(m.id) });
    li.appendChild(el("span", { class: "who" }, m.sender === "agent" ? (m.agent || t("who_agent")) : m.sender === "user" ? t("who_user") : "—"));
    li.appendChild(document.createTextNode(" " + (m.kind === "message" ? m.text : (TEXTS["kind_" + m.kind] || m.kind) + " " + m.text)));
    list.appendChild(li);
  }
  function pollMessages(list) {
    var after = list.getAttribute("data-after") || "0";
    getJSON(list.getAttribute("data-source") + "?after=" + encodeURIComponent(after)).then(function (data) {
      data.messages.forEach(function (m) {
        if (!list.querySelector('li[data-id="' + m.id + '"]')) appendMessage(list, m);
        list.setAttribute("data-after", String(m.id));
      });
      var status = document.getElementById("case-status");
      if (status && data.status && status.textContent.indexOf(data.status) !== 0) status.textContent = data.status;
    }).catch(function () {}).then(function () { setTimeout(function () { pollMessages(list); }, 1000); });
  }
  // A reply form's send key (hidden send_key, agents/chat.py): the server stores one message per key,
  // so a send whose answer was lost (a hung or restarted gateway) and is sent again is stored once.
  // The key is kept while the same text is sent again after a failure (no answer, a 5xx, or the
  // plain-form fallback below, which posts the same key); a changed text, a success or a refusal
  // (4xx: nothing of this text was stored) gets a new key. A reload renders a new key, and the typed
  // text is gone then anyway: a retyped message is a new send (docs/RELIABILITY.md).
  function newSendKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function ajaxForm(form, after) {
    var key = form.querySelector('input[name="send_key"]');
    var box = form.querySelector("textarea");
    var tried = null;  // the text the current key went out with, until that send got an answer
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (key) {
        var text = box ? box.value : "";
        if (tried !== null && tried !== text) key.value = newSendKey();
        tried = text;
      }
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf } })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); })
        .then(function (res) {
          if (key && res.status < 500) { key.value = newSendKey(); tried = null; }
          if (!res.ok) alert(res.body.message || t("error_generic")); else if (after) after();
        })
        .catch(function () { form.submit(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("queue");
    if (table) setTimeout(function () { pollQueue(table); }, 2000);
    var offerBox = document.getElementById("offer-box");
    if (!table && offerBox && offerBox.getAttribute("data-source")) pollOffer(offerBox);
    var liveBox = document.getElementById("live");
    if (liveBox) setTimeout(function () { pollLive(liveBox); }, 3000);
    var list = document.getElementById("messages");
    if (list) pollMessages(list);
    var reply = document.getElementById("reply-form");
    if (reply) ajaxForm(reply, function () { reply.querySelector("textarea").value = ""; reply.querySelector("textarea").focus(); });
    Array.prototype.forEach.call(document.querySelectorAll(".canned-form"), function (f) { ajaxForm(f); });
    // Agent assist: one click puts a suggested answer into the reply box (the agent may edit, then send).
    Array.prototype.forEach.call(document.querySelectorAll("#assist button.insert"), function (b) {
      b.addEventListener("click", function () {
        var box = document.getElementById("reply-text");
        if (!box) return;
        box.value = box.value ? box.value.replace(/\s*$/, "") + "\n\n" + b.getAttribute("data-text") : b.getAttribute("data-text");
        box.focus();
        box.setSelectionRange(box.value.length, box.value.length);
      });
    });
  });
})();
