// Local web chat: sends messages to /api/message, shows the assistant's replies and buttons, and
// long-polls /api/updates for what arrives later (an adviser's live replies). With a case code the
// reporter reopens a handed-off case. Nothing is stored in the browser: the conversation id and the
// code live only in this page's memory.
(function () {
  "use strict";
  // Dutch is the default; a school page can ask for English with ?lang=en. (The assistant's own
  // replies follow the language the reporter writes in.)
  var english = new URLSearchParams(window.location.search).get("lang") === "en";
  var texts = english
    ? { exit: "Quick exit", send: "Send", label: "Your message", placeholder: "Type your message…",
        log: "Conversation", typing: "Typing…", offline: "The assistant cannot be reached. Try again in a moment.",
        hello: "/greet", haveCode: "I have a code", codeLabel: "Your code", open: "Open",
        badCode: "That code was not found, or the case is closed. Check the code and try again.",
        adviser: "Contact person", you: "You",
        caseOpen: "Your case is open. Replies from the contact person appear here; what you write now goes to them." }
    : { exit: "Snel weg", send: "Verstuur", label: "Je bericht", placeholder: "Typ je bericht…",
        log: "Gesprek", typing: "Aan het typen…", offline: "De assistent is nu niet bereikbaar. Probeer het zo opnieuw.",
        hello: "/greet", haveCode: "Ik heb een code", codeLabel: "Je code", open: "Openen",
        badCode: "Die code is niet gevonden, of de melding is afgesloten. Controleer de code en probeer het opnieuw.",
        adviser: "Contactpersoon", you: "Jij",
        caseOpen: "Je melding is geopend. Antwoorden van de contactpersoon staan hier; wat je nu schrijft, gaat naar hen." };
  var sender = (self.crypto && crypto.randomUUID) ? crypto.randomUUID() :
    Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  var log = document.getElementById("log");
  var statusLine = document.getElementById("status");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var exitUrl = "https://www.google.nl";

  document.documentElement.lang = english ? "en" : "nl";
  document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = texts[el.dataset.i18n]; });
  input.placeholder = texts.placeholder;
  log.setAttribute("aria-label", texts.log);

  function add(who, text) {
    var item = document.createElement("li");
    item.className = who;
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = text;
    item.appendChild(bubble);
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function addChoices(item, buttons) {
    var group = document.createElement("div");
    group.className = "choices";
    buttons.forEach(function (button) {
      var choice = document.createElement("button");
      choice.type = "button";
      choice.textContent = button.title;
      choice.addEventListener("click", function () {
        group.remove();
        add("user", button.title);
        send(button.payload);
      });
      group.appendChild(choice);
    });
    item.appendChild(group);
  }

  function show(messages) {
    messages.forEach(function (message) {
      if (!message.text && !message.buttons) { return; }
      var item = add("bot", message.text || "");
      if (message.buttons && message.buttons.length) { addChoices(item, message.buttons); }
    });
  }

  // Messages nobody asked for (an adviser joining or answering) arrive through a long poll.
  function poll() {
    if (caseCode) { return; }
    fetch("/api/updates?sender=" + encodeURIComponent(sender))
      .then(function (response) { if (!response.ok) { throw new Error("unavailable"); } return response.json(); })
      .then(function (messages) { show(messages); setTimeout(poll, 0); })
      .catch(function () { setTimeout(poll, 5000); });
  }

  // --- coming back with a case code ---------------------------------------------------------------
  var caseCode = null;
  var codeForm = document.getElementById("code-form");
  var codeError = document.getElementById("code-error");

  function showThread(thread) {
    log.textContent = "";
    add("bot", texts.caseOpen);
    thread.messages.forEach(function (m) {
      add(m.author === "adviser" ? "bot" : "user", (m.author === "adviser" ? texts.adviser : texts.you) + ": " + m.text);
    });
  }

  function openCase(code, text) {
    var body = { code: code };
    if (text !== undefined) { body.text = text; }
    return fetch("/api/case", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    });
  }

  document.getElementById("have-code").addEventListener("click", function () {
    codeForm.hidden = false;
    document.getElementById("code").focus();
  });

  codeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = document.getElementById("code").value.trim();
    openCase(code).then(function (thread) {
      caseCode = code;
      codeForm.hidden = true;
      codeError.textContent = "";
      showThread(thread);
      setInterval(function () { openCase(caseCode).then(showThread).catch(function () {}); }, 10000);
    }).catch(function () { codeError.textContent = texts.badCode; });
  });

  function send(text) {
    statusLine.textContent = texts.typing;
    return fetch("/api/message", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, text: text })
    }).then(function (response) {
      if (!response.ok) { throw new Error("unavailable"); }
      return response.json();
    }).then(function (messages) {
      statusLine.textContent = "";
      show(messages);
    }).catch(function () {
      statusLine.textContent = texts.offline;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    if (caseCode) {
      openCase(caseCode, text).then(showThread).catch(function () { statusLine.textContent = texts.offline; });
      return;
    }
    add("user", text);
    send(text);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.getElementById("quick-exit").addEventListener("click", function () {
    log.textContent = "";
    input.value = "";
    caseCode = null;
    document.getElementById("code").value = "";
    window.location.replace(exitUrl);
  });

  fetch("/api/config").then(function (r) { return r.json(); }).then(function (config) {
    exitUrl = config.quick_exit_url;
    document.getElementById("title").textContent = "Contactpunt · " + config.institution;
    document.getElementById("have-code").hidden = !config.case_codes;
  }).catch(function () {});

  send(texts.hello).then(poll);
}());
