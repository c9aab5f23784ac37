// Contactpunt's embeddable chat: one <script src=".../widget.js"> on a school page (optionally after
// window.ContactpuntConfig = {profile, language, colours}). It talks to Rasa's socket.io channel with a
// random session id that lives only in this page's memory, so the chat survives a network drop but
// leaves nothing behind. The only thing it ever stores is the case code, and only if the reporter asks.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL(script.src, window.location.href);
  var home = base.origin + base.pathname.replace(/widget\.js$/, "");
  var settings = window.ContactpuntConfig || {};
  var pageLanguage = (document.documentElement.lang || "nl").slice(0, 2);
  var language = settings.language === "en" || (!settings.language && pageLanguage === "en") ? "en" : "nl";
  var CODE_KEY = "contactpunt.case_code";
  var COLOUR = /^#[0-9a-fA-F]{3,8}$/;

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function randomSessionId() {
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  function start(config, io) {
    var t = config.texts;
    var host = el("div", { id: "contactpunt-chat" });
    var shadow = host.attachShadow({ mode: "open" });
    var accent = settings.colours && COLOUR.test(settings.colours.accent || "") ? settings.colours.accent : null;
    if (accent) { host.style.setProperty("--cp-accent", accent); }
    shadow.appendChild(el("link", { rel: "stylesheet", href: home + "widget/widget.css" }));

    var opener = el("button", { id: "cp-open", type: "button", "class": "opener", "aria-expanded": "false",
                                "aria-controls": "cp-panel" }, t.open);
    var panel = el("section", { id: "cp-panel", "class": "panel", role: "dialog", "aria-labelledby": "cp-title",
                                lang: language, hidden: "" });
    var header = el("header", { "class": "bar" });
    var heading = el("div", { "class": "heading" });
    heading.appendChild(el("h2", { id: "cp-title" }, t.title + " · " + config.institution));
    heading.appendChild(el("p", { "class": "subtitle" }, t.subtitle));
    var exit = el("button", { id: "cp-exit", type: "button", "class": "exit", title: t.exit_hint,
                              "aria-label": t.exit + ": " + t.exit_hint }, t.exit);
    var close = el("button", { id: "cp-close", type: "button", "class": "close", "aria-label": t.close }, "×");
    header.append(heading, exit, close);

    // How to get help now: always on screen, never dependent on what the assistant understood.
    var helpline = el("p", { id: "cp-help", "class": "helpline", role: "note", "aria-label": t.help_label });
    [[t.help_danger, [["112", "112"]]], [t.help_suicide, [["113", "113"], ["0800-0113", "08000113"]]],
     [t.help_home, [["0800-2000", "08002000"]]]].forEach(function (item, index) {
      var part = el("span", { "class": "help-item" }, item[0] + " ");
      item[1].forEach(function (number, position) {
        if (position) { part.appendChild(document.createTextNode(" / ")); }
        part.appendChild(el("a", { href: "tel:" + number[1] }, number[0]));
      });
      if (index) { helpline.appendChild(document.createTextNode(" · ")); }
      helpline.appendChild(part);
    });

    var tools = el("div", { "class": "tools" });
    var haveCode = el("button", { id: "cp-have-code", type: "button", "class": "link" }, t.have_code);
    if (!config.case_codes) { haveCode.hidden = true; }
    tools.appendChild(haveCode);

    var codeForm = el("form", { id: "cp-code-form", "class": "code-form", autocomplete: "off", hidden: "" });
    codeForm.append(el("label", { "for": "cp-code" }, t.code_label),
                    el("input", { id: "cp-code", name: "code", autocapitalize: "characters", spellcheck: "false",
                                  required: "" }),
                    el("button", { type: "submit" }, t.code_open),
                    el("button", { id: "cp-code-cancel", type: "button", "class": "link" }, t.code_cancel),
                    el("p", { id: "cp-code-error", "class": "error", role: "alert" }));

    var codeScreen = el("div", { id: "cp-code-screen", "class": "code-screen", role: "region", tabindex: "-1",
                                 "aria-labelledby": "cp-code-title", hidden: "" });
    var log = el("ol", { id: "cp-log", "class": "log", role: "log", "aria-live": "polite", "aria-label": t.log });
    var typing = el("p", { id: "cp-typing", "class": "typing", "aria-hidden": "true", hidden: "" }, t.typing);
    var status = el("p", { id: "cp-status", "class": "status", role: "status" });
    var composer = el("form", { id: "cp-composer", "class": "composer", autocomplete: "off" });
    var input = el("textarea", { id: "cp-message", name: "message", rows: "2", maxlength: String(config.max_message_chars),
                                 placeholder: t.placeholder, required: "" });
    composer.append(el("label", { "for": "cp-message", "class": "visually-hidden" }, t.label), input,
                    el("button", { id: "cp-send", type: "submit" }, t.send));
    panel.append(header, helpline, tools, codeForm, codeScreen, log, typing, status, composer);
    shadow.append(opener, panel);
    document.body.appendChild(host);

    // --- the conversation -------------------------------------------------------------------------
    var sessionId = randomSessionId();
    var outbox = [];          // what the reporter typed while the connection was down
    var confirmed = false;    // session_confirm received on the current connection
    var shown = {};           // numbers (seq) of the assistant's messages already shown
    var greeted = false;
    var typingTimer = null;
    var caseCode = null;      // set while a reopened case is shown instead of the conversation
    var casePoll = null;
    var socket = io(config.socket_url, { transports: ["websocket", "polling"], reconnectionDelayMax: 4000,
                                         autoConnect: false });

    function add(who, text) {
      var item = el("li", { "class": who });
      item.appendChild(el("span", { "class": "visually-hidden" }, (who === "user" ? t.you : t.assistant) + ": "));
      item.appendChild(el("div", { "class": "bubble" }, text));
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;  // scroll the chat, never the school's page
      return item;
    }

    function setTyping(on) {
      clearTimeout(typingTimer);
      typing.hidden = !on;
      if (on) { typingTimer = setTimeout(function () { typing.hidden = true; }, 30000); }
    }

    function addChoices(item, replies) {
      var group = el("div", { "class": "choices", role: "group" });
      replies.forEach(function (reply) {
        var choice = el("button", { type: "button" }, reply.title);
        choice.addEventListener("click", function () {
          group.remove();
          add("user", reply.title);
          send(reply.payload);
          input.focus();
        });
        group.appendChild(choice);
      });
      item.appendChild(group);
      log.scrollTop = log.scrollHeight;
    }

    function emit(text) {
      socket.emit("user_uttered", { message: text, session_id: sessionId });
      setTyping(true);
    }

    function send(text) {
      if (confirmed) { emit(text); } else { outbox.push(text); }
    }

    function showCodeScreen(code) {
      codeScreen.textContent = "";
      var kept = localStorage.getItem(CODE_KEY) === code;
      var keep = el("input", { id: "cp-keep", type: "checkbox" });
      keep.checked = kept;
      var keepLabel = el("label", { "for": "cp-keep" });
      keepLabel.append(keep, " " + t.code_keep);
      var note = el("p", { id: "cp-code-note", role: "status" }, kept ? t.code_kept : "");
      var copy = el("button", { id: "cp-copy", type: "button" }, t.code_copy);
      var done = el("button", { id: "cp-code-done", type: "button" }, t.code_done);
      codeScreen.append(el("h3", { id: "cp-code-title" }, t.code_title),
                        el("p", { id: "cp-code-value", "class": "code" }, code),
                        el("p", {}, t.code_explain), copy, keepLabel, note, done);
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(code).then(function () { note.textContent = t.code_copied; },
                                                 function () { note.textContent = ""; });
      });
      keep.addEventListener("change", function () {
        if (keep.checked) { localStorage.setItem(CODE_KEY, code); note.textContent = t.code_kept; }
        else { localStorage.removeItem(CODE_KEY); note.textContent = ""; }
      });
      done.addEventListener("click", function () { codeScreen.hidden = true; input.focus(); });
      codeScreen.hidden = false;
      codeScreen.focus();
    }

    socket.on("connect", function () {
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function () {
      confirmed = true;
      if (status.textContent) { status.textContent = t.connected; }
      if (!greeted) { greeted = true; emit("/greet"); }
      outbox.splice(0).forEach(emit);
    });
    socket.on("disconnect", function () { confirmed = false; setTyping(false); status.textContent = t.reconnecting; });
    socket.on("refused", function (reply) {
      setTyping(false);
      status.textContent = reply && reply.reason === "failed" ? t.failed : t.refused;
    });
    socket.on("connect_error", function () { status.textContent = greeted ? t.reconnecting : t.unavailable; });
    socket.on("bot_uttered", function (message, acknowledge) {
      // The server keeps each numbered message until acknowledged and sends it again after a reconnect.
      if (typeof acknowledge === "function") { acknowledge(); }
      if (typeof message.seq === "number") {
        if (shown[message.seq]) { return; }
        shown[message.seq] = true;
      }
      setTyping(false);
      if (message.case_code) { showCodeScreen(message.case_code); return; }
      if (!message.text) { return; }
      var item = add("bot", message.text);
      if (message.quick_replies && message.quick_replies.length) { addChoices(item, message.quick_replies); }
    });

    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      if (text.length > config.max_message_chars) { status.textContent = t.too_long; return; }
      input.value = "";
      if (caseCode) { openCase(caseCode, text).then(showThread).catch(function () { status.textContent = t.unavailable; }); return; }
      add("user", text);
      send(text);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); composer.requestSubmit(); }
    });

    // --- opening, closing, leaving ------------------------------------------------------------------
    function setOpen(open) {
      panel.hidden = !open;
      opener.setAttribute("aria-expanded", String(open));
      if (open) {
        if (!socket.connected && !socket.active) { socket.connect(); }
        input.focus();
      } else {
        opener.focus();
      }
    }
    opener.addEventListener("click", function () { setOpen(panel.hidden); });
    close.addEventListener("click", function () { setOpen(false); });
    panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { setOpen(false); } });

    exit.addEventListener("click", function () {
      socket.disconnect();
      clearInterval(casePoll);
      log.textContent = "";
      input.value = "";
      codeScreen.textContent = "";
      shadow.getElementById("cp-code").value = "";
      sessionId = caseCode = null;
      window.location.replace(config.quick_exit_url);
    });

    // --- coming back with a case code -----------------------------------------------------------------
    var codeInput = shadow.getElementById("cp-code");
    var codeError = shadow.getElementById("cp-code-error");

    function openCase(code, text) {
      var body = { code: code };
      if (text !== undefined) { body.text = text; }
      return fetch(home + "widget/case", { method: "POST", headers: { "Content-Type": "application/json" },
                                           body: JSON.stringify(body), credentials: "omit" })
        .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); });
    }

    function showThread(thread) {
      log.textContent = "";
      add("bot", t.case_open);
      thread.messages.forEach(function (m) {
        var adviser = m.author === "adviser";
        add(adviser ? "bot" : "user", (adviser ? t.adviser : t.you) + ": " + m.text);
      });
    }

    haveCode.addEventListener("click", function () {
      codeForm.hidden = false;
      codeInput.value = localStorage.getItem(CODE_KEY) || "";
      codeInput.focus();
    });
    shadow.getElementById("cp-code-cancel").addEventListener("click", function () {
      codeForm.hidden = true;
      input.focus();
    });
    codeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var code = codeInput.value.trim();
      openCase(code).then(function (thread) {
        caseCode = code;
        codeForm.hidden = true;
        codeError.textContent = "";
        showThread(thread);
        casePoll = setInterval(function () { openCase(caseCode).then(showThread).catch(function () {}); }, 10000);
      }).catch(function () { codeError.textContent = t.bad_code; });
    });

    if (settings.open) { setOpen(true); }
  }

  var query = new URLSearchParams({ lang: language });
  if (settings.profile) { query.set("profile", settings.profile); }
  Promise.all([
    fetch(home + "widget/config?" + query, { credentials: "omit" }).then(function (response) {
      if (!response.ok) { throw new Error("Contactpunt: no configuration (" + response.status + ")"); }
      return response.json();
    }),
    import(home + "widget/socket.io.js")
  ]).then(function (loaded) { start(loaded[0], loaded[1].io); })
    .catch(function (error) { console.error(error.message || error); });
}());
