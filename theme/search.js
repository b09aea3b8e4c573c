// cargofox search: finds crates by name, name prefix and keyword from the
// static index in search/{first two characters}.json (split by a further
// character where a key holds many crates), as the visitor types.
// Ranks exact names first, then name prefixes, then keywords, each by score.
// Without JavaScript the form opens the lists by first letter instead.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("search");
  if (!script || !form) {
    return;
  }
  var base = script.src.replace(/theme\/search\.js(\?.*)?$/, "");
  var input = form.querySelector("input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var files = {};
  var latest = 0;

  function norm(s) {
    return s.trim().toLowerCase().replace(/_/g, "-");
  }

  function load(key) {
    if (!files[key]) {
      files[key] = fetch(base + "search/" + encodeURIComponent(key) + ".json")
        .then(function (r) { return r.ok ? r.json() : []; })
        .catch(function () { return []; });
    }
    return files[key];
  }

  // The entries for q: a file too big for one key is split by one more
  // character ({"split": true, "top": [...]}), down to a plain list; its
  // top holds what a query as long as its key shows.
  function find(q, depth) {
    return load(q.slice(0, depth)).then(function (data) {
      if (Array.isArray(data)) {
        return data;
      }
      if (data && data.split) {
        return q.length > depth ? find(q, depth + 1) : data.top;
      }
      return [];
    });
  }

  function rank(q, entries) {
    var found = [];
    entries.forEach(function (e) {
      var name = norm(e.n);
      var kind = -1;
      if (name === q) {
        kind = 0;
      } else if (name.indexOf(q) === 0) {
        kind = 1;
      } else if (e.k.some(function (k) { return norm(k).indexOf(q) === 0; })) {
        kind = 2;
      }
      if (kind >= 0) {
        found.push([kind, e]);
      }
    });
    found.sort(function (a, b) {
      return a[0] - b[0] || b[1].s - a[1].s || (a[1].n < b[1].n ? -1 : 1);
    });
    return found.slice(0, 10).map(function (x) { return x[1]; });
  }

  function show(results, q) {
    list.textContent = "";
    results.forEach(function (e) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = base + "crates/" + encodeURIComponent(e.n) + "/";
      link.textContent = e.n;
      item.appendChild(link);
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = " score " + e.s + ", risk " + e.r + (e.d ? ". " + e.d : "");
      item.appendChild(meta);
      list.appendChild(item);
    });
    list.hidden = results.length === 0;
    status.textContent = q.length < 2 ? "" :
      results.length + (results.length === 1 ? " crate found" : " crates found");
  }

  input.addEventListener("input", function () {
    var q = norm(input.value);
    var mine = ++latest;
    if (q.length < 2) {
      show([], q);
      return;
    }
    find(q, 2).then(function (entries) {
      if (mine === latest) {
        show(rank(q, entries), q);
      }
    });
  });

  form.addEventListener("submit", function (event) {
    var first = list.querySelector("a");
    if (first) {
      event.preventDefault();
      window.location.href = first.href;
    }
  });
})();
