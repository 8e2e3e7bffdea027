// A document's page: draw the highlights from the rows, put each row's summary on hover, and show
// its fields on click. The text comes packed with the rows, which come without their own text.
// Works from file:// (no fetch, no modules).
(function () {
  "use strict";
  function unpack(el) {
    if (el.dataset.encoding !== "gzip+base64") return Promise.resolve(JSON.parse(el.textContent));
    var bytes = Uint8Array.from(atob(el.textContent.trim()), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }
  unpack(document.getElementById("rows")).then(start);

  function start(data) {
    var textBox = document.getElementById("doc-text");
    var panel = document.getElementById("detail");
    var ORDER = {};
    data.order.forEach(function (kind, i) { ORDER[kind] = i; });
    var rows = {};
    var active = [];

    function full(id) { return data.doc + "-" + id; }

    // ---------------------------------------------------------------- rows and marks
    var marks = [];
    Object.keys(data.kinds).forEach(function (kind) {
      var table = data.kinds[kind];
      table.rows.forEach(function (values, i) {
        var row = {};
        table.fields.forEach(function (name, k) {
          var v = values[k];
          row[name] = /_id$/.test(name) && typeof v === "string" ? full(v) : v;
        });
        var id = row[table.id];
        var short = id.slice(data.doc.length + 1);
        rows[id] = { kind: kind, summary: table.summaries[i], row: row, findings: data.findings[short] || [] };
        marks.push({ start: row.char_start, end: row.char_end, kind: kind, id: id, flagged: !!data.findings[short] });
      });
    });
    data.anchors.forEach(function (a) { marks.push({ start: a[0], end: a[0], kind: "anchor", id: "s-" + full(a[1]) }); });

    // ---------------------------------------------------------------- highlight (as pipeline.review.markup.highlight)
    function escapeText(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
    function escapeAttr(s) { return escapeText(s).replace(/"/g, "&quot;").replace(/'/g, "&#x27;"); }

    function units(text) {
      // offsets count code points (Python str indices); JavaScript strings count UTF-16 units
      if (!/[\uD800-\uDBFF]/.test(text)) return null;
      var map = [0], u = 0;
      for (var ch of text) { u += ch.length; map.push(u); }
      return map;
    }

    function open(m, first) {
      var classes = [first ? "hl" : "hl-cont", "k-" + m.kind].concat(m.flagged ? ["flagged"] : []);
      var ident = first ? ' id="r-' + escapeAttr(m.id) + '"' : "";
      return '<span class="' + classes.join(" ") + '"' + ident + ' data-id="' + escapeAttr(m.id) + '" data-kind="' + m.kind + '">';
    }

    function closeAt(pos, stack, out, everything) {
      var lowest = -1;
      for (var i = 0; i < stack.length; i++) if (everything || stack[i].end <= pos) { lowest = i; break; }
      if (lowest < 0) return;
      var above = stack.splice(lowest);
      out.push(new Array(above.length + 1).join("</span>"));
      if (everything) return;
      above.forEach(function (m) { if (m.end > pos) { out.push(open(m, false)); stack.push(m); } });
    }

    function highlight(text, marks) {
      var map = units(text);
      var at = function (p) { return map ? map[p] : p; };
      marks = marks.map(function (m) { return { start: at(m.start), end: at(m.end), kind: m.kind, id: m.id, flagged: m.flagged }; });
      marks.sort(function (a, b) {
        return a.start - b.start || (b.end - b.start) - (a.end - a.start) || ORDER[a.kind] - ORDER[b.kind] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      });
      var seen = {}, boundaries = [0, text.length];
      marks.forEach(function (m) { boundaries.push(m.start, m.end); });
      boundaries = boundaries.filter(function (p) { return seen[p] ? false : (seen[p] = true); }).sort(function (a, b) { return a - b; });
      var starting = {};
      marks.forEach(function (m) { (starting[m.start] = starting[m.start] || []).push(m); });
      var out = [], stack = [];
      boundaries.forEach(function (pos, i) {
        closeAt(pos, stack, out, false);
        (starting[pos] || []).forEach(function (m) {
          if (m.kind === "anchor") { out.push('<a class="anchor" id="' + escapeAttr(m.id) + '"></a>'); return; }
          out.push(open(m, true));
          if (m.end > m.start) stack.push(m); else out.push("</span>");
        });
        if (i + 1 < boundaries.length) out.push(escapeText(text.slice(pos, boundaries[i + 1])));
      });
      closeAt(text.length + 1, stack, out, true);
      return out.join("");
    }

    var text = data.text;
    window.zgHighlighted = highlight(text, marks);
    textBox.innerHTML = window.zgHighlighted;
    Array.prototype.forEach.call(textBox.querySelectorAll(".hl[data-id]"), function (el) {
      var entry = rows[el.getAttribute("data-id")];
      if (entry) el.title = entry.summary;
    });
    if (location.hash) {
      var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) target.scrollIntoView();
    }

    // ---------------------------------------------------------------- the side panel
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
      // nested rows repeat no characters, so the fragments of a row hold its whole text
      var fields = Object.assign({ text: active.map(function (el) { return el.textContent; }).join("") }, entry.row);
      Object.keys(fields).forEach(function (key) {
        var value = fields[key];
        var shown = value === null ? "null" : typeof value === "object" ? JSON.stringify(value) : String(value);
        if (key === "text" && shown.length > 300) shown = shown.slice(0, 300) + "…";
        var tr = document.createElement("tr");
        tr.appendChild(cell("th", key));
        tr.appendChild(cell("td", shown));
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
    document.body.dataset.ready = "1";
  }
})();
