// The index: page, sort, filter and search the documents of index-data.js. Works from file://
// (the data are scripts, not fetched); search-data.js (the problems) is loaded at the first search.
(function () {
  "use strict";
  var data = window.ZG_INDEX;
  var F = {};
  data.fields.forEach(function (name, i) { F[name] = i; });
  var rows = data.rows;
  var state = { sort: "source", desc: false, page: 0, size: 50 };
  var shown = [];
  var problems = null;
  var $ = function (id) { return document.getElementById(id); };
  var COLUMNS = [
    ["source", "document"], ["doc_type", "type"], ["title", "title"], ["province", "province"], ["city", "city"], ["year", "year"]
  ].concat(data.fields.filter(function (f) { return f.indexOf("n_") === 0; }).map(function (f) { return [f, f.slice(2).replace("_", " ")]; }))
   .concat([["findings", "findings"], ["rate", "stated %"], ["computed_rate", "computed %"]]);
  var NUMERIC = { year: 1, findings: 1, rate: 1, computed_rate: 1 };
  Object.keys(F).forEach(function (f) { if (f.indexOf("n_") === 0) NUMERIC[f] = 1; });

  function value(row, field) {
    var v = row[F[field]];
    if (data.codes[field] && v !== null) return data.codes[field][v];
    return v;
  }

  function rate(row) {
    var stated = row[F.rate];
    return stated !== null ? stated : row[F.computed_rate];
  }

  function number(id) {
    var v = $(id).value;
    return v === "" ? null : Number(v);
  }

  function matches(i, query) {
    var row = rows[i];
    if (!query) return true;
    var title = row[F.title] || "";
    if (title.indexOf(query) >= 0 || row[F.source].indexOf(query) >= 0) return true;
    return problems !== null && problems[i].indexOf(query) >= 0;
  }

  function filter() {
    var started = performance.now();
    var query = $("q").value.trim();
    if (query && problems === null) loadProblems();
    var wanted = {};
    ["doc_type", "province", "city", "year"].forEach(function (f) { wanted[f] = $("f-" + f).value; });
    var minProblems = number("f-min-problems"), rateMin = number("f-rate-min"), rateMax = number("f-rate-max");
    shown = [];
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i], ok = true;
      for (var f in wanted) {
        if (wanted[f] !== "" && String(row[F[f]]) !== wanted[f]) { ok = false; break; }
      }
      if (!ok) continue;
      if (minProblems !== null && row[F.n_problems] < minProblems) continue;
      if (rateMin !== null || rateMax !== null) {
        var r = rate(row);
        if (r === null || (rateMin !== null && r < rateMin) || (rateMax !== null && r > rateMax)) continue;
      }
      if (matches(i, query)) shown.push(i);
    }
    sort();
    state.page = 0;
    render();
    document.body.dataset.filterMs = (performance.now() - started).toFixed(1);
  }

  function sort() {
    var field = state.sort, sign = state.desc ? -1 : 1, numeric = NUMERIC[field];
    shown.sort(function (a, b) {
      var x = value(rows[a], field), y = value(rows[b], field);
      if (x === null || x === undefined) return y === null || y === undefined ? a - b : 1;
      if (y === null || y === undefined) return -1;
      var c = numeric ? x - y : String(x).localeCompare(String(y), "zh");
      return c !== 0 ? sign * c : a - b;
    });
  }

  function cell(tag, text, className) {
    var el = document.createElement(tag);
    if (text !== null && text !== undefined) el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  function link(i, className) {
    var row = rows[i];
    if (!row[F.page]) return cell("span", row[F.source], "no-page");
    var a = cell("a", row[F.source], className);
    a.href = row[F.id] + ".html";
    return a;
  }

  function head(table, columns, sortable) {
    var tr = document.createElement("tr");
    columns.forEach(function (c) {
      var th = cell("th", c[1]);
      if (sortable) {
        th.dataset.sort = c[0];
        if (state.sort === c[0]) th.className = state.desc ? "sorted desc" : "sorted asc";
      }
      tr.appendChild(th);
    });
    var thead = table.querySelector("thead");
    thead.textContent = "";
    thead.appendChild(tr);
  }

  function render() {
    var size = state.size, pages = Math.max(1, Math.ceil(shown.length / size));
    state.page = Math.min(state.page, pages - 1);
    var slice = shown.slice(state.page * size, (state.page + 1) * size);
    head($("documents"), COLUMNS, true);
    var body = $("documents").querySelector("tbody");
    body.textContent = "";
    slice.forEach(function (i) {
      var tr = document.createElement("tr");
      COLUMNS.forEach(function (c) {
        if (c[0] === "source") { var td = document.createElement("td"); td.appendChild(link(i, "doc-link")); tr.appendChild(td); return; }
        var v = value(rows[i], c[0]);
        tr.appendChild(cell("td", v === null ? "" : v, NUMERIC[c[0]] ? "num" : null));
      });
      body.appendChild(tr);
    });
    renderResearch(slice);
    $("status").textContent = shown.length + " of " + rows.length + " documents";
    $("page").textContent = "page " + (state.page + 1) + " of " + pages;
  }

  function renderResearch(slice) {
    var labels = [["source", "document"]].concat(data.research_labels.map(function (l, k) { return [k, l]; })).concat([["people", "people handled, by action"]]);
    head($("research"), labels, false);
    var body = $("research").querySelector("tbody");
    body.textContent = "";
    slice.forEach(function (i) {
      var tr = document.createElement("tr"), td = document.createElement("td"), entry = data.research[i];
      td.appendChild(link(i, "research-link"));
      tr.appendChild(td);
      data.research_labels.forEach(function (_, k) {
        var v = entry ? entry[k] : null;
        tr.appendChild(cell("td", v === null ? "" : v.toLocaleString("en").replace(/,/g, " "), "num"));
      });
      var people = entry ? entry[entry.length - 1].map(function (p) { return p[0] + " " + p[1]; }).join(" · ") : "";
      tr.appendChild(cell("td", people));
      body.appendChild(tr);
    });
  }

  function loadProblems() {
    if (loadProblems.started) return;
    loadProblems.started = true;
    var script = document.createElement("script");
    script.src = "search-data.js";
    script.onload = function () { problems = window.ZG_PROBLEMS; document.body.dataset.problems = "loaded"; filter(); };
    document.body.appendChild(script);
  }

  function options() {
    ["doc_type", "province", "city", "year"].forEach(function (f) {
      var counts = {};
      rows.forEach(function (row) { var v = row[F[f]]; if (v !== null) counts[v] = (counts[v] || 0) + 1; });
      var keys = Object.keys(counts).sort(function (a, b) {
        return f === "year" ? b - a : String(data.codes[f][a]).localeCompare(String(data.codes[f][b]), "zh");
      });
      var select = $("f-" + f);
      keys.forEach(function (k) {
        var option = cell("option", (data.codes[f] ? data.codes[f][k] : k) + " (" + counts[k] + ")");
        option.value = k;
        select.appendChild(option);
      });
    });
  }

  var started = performance.now();
  options();
  function changed(event) {
    if (event.target.id === "f-size") { state.size = Number(event.target.value); render(); return; }
    filter();
  }
  $("filters").addEventListener("input", changed);
  $("filters").addEventListener("change", function (event) { if (event.target.tagName === "SELECT") changed(event); });
  $("documents").querySelector("thead").addEventListener("click", function (event) {
    var th = event.target.closest("th[data-sort]");
    if (!th) return;
    state.desc = state.sort === th.dataset.sort ? !state.desc : false;
    state.sort = th.dataset.sort;
    sort();
    render();
  });
  document.querySelector("nav.pager").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-page]");
    if (!button) return;
    state.page = Math.max(0, state.page + Number(button.dataset.page));
    render();
  });
  filter();
  document.body.dataset.loadMs = (performance.now() - started).toFixed(1);
  document.body.dataset.ready = "1";
})();
