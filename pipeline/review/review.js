// Click a highlight: show its row in the side panel. Works from file:// (no fetch, no modules).
(function () {
  "use strict";
  var rows = JSON.parse(document.getElementById("rows").textContent);
  var panel = document.getElementById("detail");
  var active = [];

  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  function show(id) {
    var entry = rows[id];
    if (!entry) return;
    active.forEach(function (el) { el.classList.remove("active"); });
    active = Array.prototype.slice.call(document.querySelectorAll('[data-id="' + CSS.escape(id) + '"]'));
    active.forEach(function (el) { el.classList.add("active"); });
    panel.textContent = "";
    panel.appendChild(cell("h2", entry.kind.replace("_", " ")));
    panel.appendChild(cell("p", entry.summary)).className = "summary";
    entry.findings.forEach(function (f) {
      panel.appendChild(cell("p", f.severity + " " + f.code + " " + f.rule + ": " + f.message)).className = "finding " + f.severity;
    });
    var table = document.createElement("table");
    Object.keys(entry.row).forEach(function (key) {
      var value = entry.row[key];
      var text = value === null ? "null" : typeof value === "object" ? JSON.stringify(value) : String(value);
      if (key === "text" && text.length > 300) text = text.slice(0, 300) + "…";
      var tr = document.createElement("tr");
      tr.appendChild(cell("th", key));
      tr.appendChild(cell("td", text));
      table.appendChild(tr);
    });
    panel.appendChild(table);
    panel.dataset.shown = id;
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-id]");
    if (!target) return;
    event.preventDefault();
    show(target.getAttribute("data-id"));
  });
})();
