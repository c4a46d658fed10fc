// Instant filtering of an agenda page, and optional times in the viewer's zone. The page works
// without this script: region and country pages are plain links.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var agenda = document.getElementById("agenda");
  if (!form || !agenda) { return; }
  var items = Array.prototype.slice.call(agenda.querySelectorAll("li.event"));
  var months = Array.prototype.slice.call(agenda.querySelectorAll("section.month"));
  var sections = Array.prototype.slice.call(agenda.querySelectorAll("section.kind-section"));
  var refine = document.getElementById("refine");
  var preset = { region: form.dataset.presetRegion || "", country: form.dataset.presetCountry || "" };
  var status = document.getElementById("filter-status");
  var noMatch = document.getElementById("no-match");
  var fields = ["kind", "region", "country", "topic", "q", "online"];
  var feed = document.getElementById("filter-feed");

  function current() {
    return {
      kind: form.elements.kind.value,
      region: form.elements.region.value,
      country: form.elements.country.value,
      topic: form.elements.topic ? form.elements.topic.value : "",
      q: form.elements.q.value.trim().toLowerCase(),
      online: form.elements.online.checked
    };
  }

  function matches(li, f) {
    var d = li.dataset;
    if (f.kind && d.kind !== f.kind) { return false; }
    if (f.region && d.region !== f.region) { return false; }
    if (f.country && d.country !== f.country) { return false; }
    if (f.online && d.online !== "1") { return false; }
    if (f.topic && (" " + (d.topics || "") + " ").indexOf(" " + f.topic + " ") === -1) { return false; }
    if (f.q) {
      var words = f.q.split(/\s+/);
      for (var i = 0; i < words.length; i++) {
        if (d.search.indexOf(words[i]) === -1) { return false; }
      }
    }
    return true;
  }

  function apply() {
    var f = current();
    var shown = 0;
    items.forEach(function (li) {
      var ok = matches(li, f);
      li.hidden = !ok;
      if (ok) { shown++; }
    });
    months.concat(sections).forEach(function (section) {
      section.hidden = !!section.querySelector("li.event") && !section.querySelector("li.event:not([hidden])");
    });
    noMatch.hidden = shown !== 0 || items.length === 0;
    status.textContent = shown + " of " + items.length + " events shown";
    var params = new URLSearchParams();
    fields.forEach(function (name) {
      var value = f[name];
      if (value === true) { params.set(name, "1"); } else if (value && value !== preset[name]) { params.set(name, value); }
    });
    showFeed(f);
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  }

  // The published feed nearest the selection: a kind (with a feed) within the country or region.
  function showFeed(f) {
    if (!feed) { return; }
    var slugs = {};
    feed.dataset.kinds.trim().split(/\s+/).forEach(function (pair) {
      var parts = pair.split(":");
      if (parts.length === 2) { slugs[parts[0]] = parts[1]; }
    });
    var slug = f.kind ? slugs[f.kind] : "";
    var place = f.country ? "countries/" + f.country.toLowerCase() : (f.region ? "regions/" + f.region : "");
    var path = place ? place + (slug ? "/" + slug : "") + ".ics" : (slug ? slug + ".ics" : "calendar.ics");
    var https = feed.dataset.base + path;
    document.getElementById("filter-feed-https").href = https;
    document.getElementById("filter-feed-webcal").href = "webcal:" + https.slice(https.indexOf(":") + 1);
    var wider = (f.kind && !slug) || f.topic || f.q || f.online;
    document.getElementById("filter-feed-note").textContent = path + (wider ? " (it has more than this selection: no feed narrows by topic, text or online)" : "");
  }

  function showViewerTimes(on) {
    var fmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
    agenda.querySelectorAll("p.when").forEach(function (p) {
      var time = p.querySelector("time");
      var extra = p.querySelector(".viewer-time");
      if (!on || !time || time.dateTime.length <= 10) {
        if (extra) { extra.remove(); }
        return;
      }
      var instant = new Date(time.dateTime);
      if (isNaN(instant.getTime())) { return; }
      if (!extra) {
        extra = document.createElement("span");
        extra.className = "viewer-time";
        p.appendChild(extra);
      }
      extra.textContent = "Your time: " + fmt.format(instant);
    });
  }

  var initial = new URLSearchParams(location.search);
  var filtered = false;
  fields.forEach(function (name) {
    var el = form.elements[name];
    var value = initial.get(name);
    if (!el || value === null) { return; }
    if (el.type === "checkbox") { el.checked = value === "1"; } else { el.value = value; }
    filtered = true;
  });
  form.hidden = false;
  // A shared filter link opens with its filter in view.
  if (refine && filtered) { refine.open = true; }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.elements.mytime.addEventListener("change", function () { showViewerTimes(form.elements.mytime.checked); });
  apply();
})();
