// Keeps the message thread of an open case current (every 3 seconds), so live replies appear.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  if (!thread) { return; }
  function render(data) {
    var items = data.messages.map(function (m) {
      var li = document.createElement("li");
      li.className = m.author;
      var who = document.createElement("b");
      who.textContent = m.author === "reporter" ? "Melder" : "Contactpersoon";
      var when = document.createElement("time");
      when.textContent = " " + m.at;
      var text = document.createElement("p");
      text.textContent = m.text;
      li.append(who, when);
      if (m.acute) {
        li.classList.add("acute");
        var warning = document.createElement("strong");
        warning.className = "late";
        warning.textContent = " acuut gevaar: de melder kreeg 112/113";
        li.append(warning);
      }
      li.append(text);
      return li;
    });
    thread.replaceChildren.apply(thread, items);
    document.getElementById("status").textContent = data.status_label;
  }
  function poll() {
    fetch(thread.dataset.source, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(render)
      .catch(function () {})
      .then(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 3000);
}());
