// Local web chat: sends messages to /api/message and shows the assistant's replies and buttons.
// Nothing is stored in the browser; the conversation id lives only in this page's memory.
(function () {
  "use strict";
  // Dutch is the default; a school page can ask for English with ?lang=en. (The assistant's own
  // replies follow the language the reporter writes in.)
  var english = new URLSearchParams(window.location.search).get("lang") === "en";
  var texts = english
    ? { exit: "Quick exit", send: "Send", label: "Your message", placeholder: "Type your message…",
        log: "Conversation", typing: "Typing…", offline: "The assistant cannot be reached. Try again in a moment.",
        hello: "/greet" }
    : { exit: "Snel weg", send: "Verstuur", label: "Je bericht", placeholder: "Typ je bericht…",
        log: "Gesprek", typing: "Aan het typen…", offline: "De assistent is nu niet bereikbaar. Probeer het zo opnieuw.",
        hello: "/greet" };
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
      messages.forEach(function (message) {
        if (!message.text && !message.buttons) { return; }
        var item = add("bot", message.text || "");
        if (message.buttons && message.buttons.length) { addChoices(item, message.buttons); }
      });
    }).catch(function () {
      statusLine.textContent = texts.offline;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
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
    window.location.replace(exitUrl);
  });

  fetch("/api/config").then(function (r) { return r.json(); }).then(function (config) {
    exitUrl = config.quick_exit_url;
    document.getElementById("title").textContent = "Contactpunt · " + config.institution;
  }).catch(function () {});

  send(texts.hello);
}());
