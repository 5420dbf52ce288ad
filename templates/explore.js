/* storymap explore mode: leave the story to work with the map — toggle layers, filter by year,
 * find places, read the tables, share the view, download the data. Built only on the public
 * window.storymap API; state lives in the URL hash as #explore&layers=…&map=z/lat/lng&year=…  */
(function () {
  "use strict";

  const api = window.storymap;
  const HASH = "explore";
  let returnTo = null;
  let index = null; // the places search looks through, built at the first search

  const $ = function (selector) { return document.querySelector(selector); };
  const $all = function (selector) { return Array.from(document.querySelectorAll(selector)); };

  function layerDef(id) {
    return api.data.layers.find(function (def) { return def.id === id; });
  }

  function ui(key) { return api.data.ui[api.language][key]; }

  // ---- state in the URL ----------------------------------------------------------

  function currentState() {
    const centre = api.map.getCenter();
    return {
      layers: api.visibleLayers(),
      zoom: api.map.getZoom(),
      lat: centre.lat,
      lng: centre.lng,
      year: api.year,
      basemap: Boolean(api.basemap && api.map.hasLayer(api.basemap)),
    };
  }

  function stateHash(state) {
    const parts = [HASH, "layers=" + state.layers.join(","),
      "map=" + [state.zoom, state.lat.toFixed(5), state.lng.toFixed(5)].join("/")];
    if (state.year !== null) parts.push("year=" + state.year);
    if (!state.basemap) parts.push("basemap=0");
    return "#" + parts.join("&");
  }

  function parseHash(hash) {
    if (hash !== "#" + HASH && hash.indexOf("#" + HASH + "&") !== 0) return null;
    const params = new URLSearchParams(hash.slice(1));
    const known = api.data.layers.map(function (def) { return def.id; });
    const state = {};
    if (params.has("layers")) {
      state.layers = params.get("layers").split(",").filter(function (id) { return known.indexOf(id) !== -1; });
    }
    const at = (params.get("map") || "").split("/").map(Number);
    if (at.length === 3 && at.every(isFinite)) { state.zoom = at[0]; state.lat = at[1]; state.lng = at[2]; }
    const year = Number(params.get("year"));
    state.year = params.has("year") && isFinite(year) ? year : null;
    state.basemap = params.get("basemap") !== "0";
    return state;
  }

  function writeUrl() {
    if (!api.explore.active) return;
    try {
      history.replaceState(null, "", location.pathname + location.search + stateHash(currentState()));
    } catch (error) { // a notebook preview (about:srcdoc) cannot change its URL
      if (error.name !== "SecurityError") throw error;
    }
    $("#sm-share-url").value = location.href;
  }

  function apply(state) {
    if (state.layers) api.showLayers(state.layers);
    if (state.zoom !== undefined) api.map.setView([state.lat, state.lng], state.zoom, { animate: false });
    api.setYear(state.year);
    setBasemap(state.basemap !== false);
  }

  // ---- entering and leaving ------------------------------------------------------

  // The engine's mode switch hides the story text and lets the wheel zoom the map; the panel and
  // what explore changed on the map are this script's to show and to put back.
  function onMode(event) {
    const mode = event.detail.mode;
    if (mode === "explore") $("#sm-explore").hidden = false;
    if (event.detail.previous !== "explore") return;
    $("#sm-explore").hidden = true;
    api.map.closePopup();
    setBasemap(true);
  }

  function enter(state) {
    returnTo = api.active;
    api.setMode("explore");
    api.highlight([]); // the chapter's labels belong to the story
    if (state) apply(state);
    syncControls();
    writeUrl();
    $("#sm-explore-title").focus();
  }

  function leave() {
    api.setMode("story");
    api.goTo(returnTo || api.data.chapters[0].id, { instant: true, force: true });
  }

  // ---- layers, basemap, year -----------------------------------------------------

  function setBasemap(on) {
    if (!api.basemap) { // it joins after the first view (engine/start.js): set it then
      document.addEventListener("storymap:basemap", function () { setBasemap(on); syncControls(); writeUrl(); }, { once: true });
      return;
    }
    if (on && !api.map.hasLayer(api.basemap)) api.basemap.addTo(api.map);
    if (!on && api.map.hasLayer(api.basemap)) api.map.removeLayer(api.basemap);
  }

  function syncControls() {
    const visible = api.visibleLayers();
    $all("[data-sm-toggle]").forEach(function (box) {
      box.checked = visible.indexOf(box.getAttribute("data-sm-toggle")) !== -1;
    });
    const basemap = $("[data-sm-toggle-basemap]");
    if (basemap) basemap.checked = Boolean(api.basemap && api.map.hasLayer(api.basemap));
    const slider = $("#sm-year");
    if (slider) {
      const on = api.year !== null;
      $("#sm-year-on").checked = on;
      slider.disabled = !on;
      if (on) slider.value = String(api.year);
      $("#sm-year-out").textContent = on ? String(api.year) : "";
      moveChartCursors(on ? api.year : null);
    }
    refreshTables();
  }

  function toggledLayers() {
    return $all("[data-sm-toggle]").filter(function (box) { return box.checked; })
      .map(function (box) { return box.getAttribute("data-sm-toggle"); });
  }

  function chooseYear(year) {
    const slider = $("#sm-year");
    const clamped = Math.min(Math.max(Number(year), Number(slider.min)), Number(slider.max));
    api.setYear(clamped);
  }

  function chartGeometry(svg) {
    const from = Number(svg.getAttribute("data-sm-from"));
    const step = Number(svg.getAttribute("data-sm-step"));
    const bars = Number(svg.getAttribute("data-sm-bars"));
    return { from: from, step: step, bars: bars, width: svg.viewBox.baseVal.width / bars };
  }

  function yearAt(svg, event) {
    // The bars are one path: the click's position along the chart gives the year (or decade).
    const chart = chartGeometry(svg);
    const box = svg.getBoundingClientRect();
    const x = (event.clientX - box.left) / box.width * svg.viewBox.baseVal.width;
    const bar = Math.min(Math.max(Math.floor(x / chart.width), 0), chart.bars - 1);
    return chart.from + bar * chart.step;
  }

  function moveChartCursors(year) {
    $all("[data-sm-chart]").forEach(function (svg) {
      const cursor = svg.querySelector(".sm-chart-cursor");
      const chart = chartGeometry(svg);
      const bar = year === null ? -1 : Math.floor((year - chart.from) / chart.step);
      // SVG's own attribute: HTML's `hidden` is not an SVG attribute.
      cursor.setAttribute("visibility", bar < 0 || bar >= chart.bars ? "hidden" : "visible");
      const x = (bar + 0.5) * chart.width;
      cursor.setAttribute("x1", x);
      cursor.setAttribute("x2", x);
    });
  }

  // ---- finding places ------------------------------------------------------------

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss").toLowerCase();
  }

  function searchIndex() {
    const entries = [];
    api.data.layers.forEach(function (def) {
      if (def.kind !== "story") return;
      def.data.features.forEach(function (feature) {
        const props = feature.properties || {};
        const names = [props.name].concat(api.data.languages.map(function (lang) { return props["name_" + lang]; }))
          .filter(function (name, i, all) { return name && all.indexOf(name) === i; });
        entries.push({ id: feature.id, layer: def, names: names, folded: names.map(fold) });
      });
    });
    return entries;
  }

  function search(query) {
    const list = $("#sm-search-results");
    list.textContent = "";
    const folded = fold(query.trim());
    if (!folded) { $("#sm-search-status").textContent = ""; return []; }
    if (!index) index = searchIndex();
    const hits = index.filter(function (entry) {
      return entry.folded.some(function (name) { return name.indexOf(folded) !== -1; });
    }).slice(0, 8);
    hits.forEach(function (entry) {
      list.appendChild(node("li", {})).appendChild(node("button", { type: "button", class: "sm-link", "data-sm-show": entry.id },
        entry.names[0] + " — " + api.text(entry.layer.title)));
    });
    $("#sm-search-status").textContent = hits.length ? "" : ui("no_results");
    return hits;
  }

  function focusFeature(id) {
    const def = api.layerOf(id);
    const layer = api.feature(id);
    if (!def || !layer) return;
    const visible = api.visibleLayers();
    if (visible.indexOf(def.id) === -1) api.showLayers(visible.concat(def.id));
    if (!api.layers[def.id].hasLayer(layer)) api.setYear(null); // filtered out by the year: show all again
    if (!api.map.hasLayer(layer)) api.map.addLayer(layer); // a large layer's features arrive in slices
    if (layer.getLatLng) api.map.setView(layer.getLatLng(), Math.max(api.map.getZoom(), 15), { animate: false });
    else api.map.fitBounds(layer.getBounds(), { maxZoom: api.data.camera.fit_max_zoom, animate: false });
    layer.openPopup();
    syncControls();
    writeUrl();
  }

  // ---- tables --------------------------------------------------------------------

  // The rows are written from the story's data the first time the tables are needed: the page
  // carries each feature's text once (in the data), not a second time as table cells. Like the
  // page's own bilingual text, a cell holds one span per language when the languages differ.
  function node(tag, attributes, text) {
    const out = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { out.setAttribute(name, attributes[name]); });
    if (text !== undefined) out.textContent = text;
    return out;
  }

  function textInEvery(cell, valueIn) {
    const languages = api.data.languages;
    const values = languages.map(function (lang) { return String(valueIn(lang) ?? ""); });
    if (new Set(values).size === 1) cell.textContent = values[0];
    else languages.forEach(function (lang, i) {
      cell.appendChild(node("span", { "data-sm-lang": lang, lang: lang }, values[i])).hidden = lang !== api.language;
    });
    return cell;
  }

  function tableRow(def, feature, withAccuracy) {
    const props = feature.properties || {};
    const row = node("tr", { "data-sm-feature": feature.id });
    const show = node("button", { type: "button", class: "sm-link", "data-sm-show": feature.id, title: ui("show") });
    row.appendChild(node("th", { scope: "row" })).appendChild(textInEvery(show, function (lang) {
      return api.property(props, "name", lang) || feature.id;
    }));
    def.popup.forEach(function (field) {
      row.appendChild(textInEvery(node("td", {}), function (lang) { return api.property(props, field.key, lang); }));
    });
    if (withAccuracy) row.appendChild(textInEvery(node("td", {}), function (lang) {
      const known = api.data.ui[lang].accuracy_levels[props.accuracy];
      return known ? known.label : props.accuracy; // a level the interface does not know, as written
    }));
    return row;
  }

  function writeTableRows() {
    $all("[data-sm-table]").forEach(function (table) {
      const body = table.tBodies[0];
      if (body.rows.length) return;
      const def = layerDef(table.getAttribute("data-sm-table"));
      const withAccuracy = table.hasAttribute("data-sm-accuracy");
      def.data.features.forEach(function (feature) { body.appendChild(tableRow(def, feature, withAccuracy)); });
    });
  }

  function refreshTables() {
    writeTableRows();
    const visible = api.visibleLayers();
    $all("[data-sm-table]").forEach(function (table) {
      const id = table.getAttribute("data-sm-table");
      const shown = visible.indexOf(id) !== -1 ? api.visibleFeatures(id) : [];
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.hidden = shown.indexOf(row.getAttribute("data-sm-feature")) === -1;
      });
    });
  }

  function sortTable(button) {
    const th = button.closest("th");
    const table = button.closest("table");
    const column = Number(button.getAttribute("data-sm-sort"));
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (other) { other.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const key = function (row) { return row.cells[column].textContent.trim(); };
    rows.sort(function (a, b) {
      const order = key(a).localeCompare(key(b), api.language, { numeric: true, sensitivity: "base" });
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  // ---- downloads -----------------------------------------------------------------

  function csvCell(value) {
    let text = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text; // keep spreadsheets from running it as a formula
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function layerCsv(def) {
    const keys = [];
    def.data.features.forEach(function (feature) {
      Object.keys(feature.properties || {}).forEach(function (key) {
        if (key !== "id" && key !== "name" && keys.indexOf(key) === -1) keys.push(key);
      });
    });
    keys.sort();
    const header = ["id", "name", "longitude", "latitude"].concat(keys, ["licence", "attribution"]);
    const lines = [header.map(csvCell).join(",")];
    def.data.features.forEach(function (feature) {
      const props = feature.properties || {};
      const xy = feature.geometry.coordinates;
      const row = [feature.id, props.name, xy[0], xy[1]]
        .concat(keys.map(function (key) { return props[key]; }), [def.licence, api.text(def.attribution)]);
      lines.push(row.map(csvCell).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  function layerGeojson(def) {
    return JSON.stringify({
      type: "FeatureCollection",
      name: def.id,
      title: api.text(def.title),
      attribution: api.text(def.attribution),
      licence: def.licence,
      features: def.data.features,
    }, null, 1);
  }

  function download(id, format) {
    const def = layerDef(id);
    const csv = format === "csv";
    const blob = new Blob([csv ? layerCsv(def) : layerGeojson(def)],
      { type: csv ? "text/csv;charset=utf-8" : "application/geo+json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = def.id + (csv ? ".csv" : ".geojson");
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 5000);
  }

  function copyLink(button) {
    const field = $("#sm-share-url");
    const done = function () { button.textContent = ui("copied"); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
    } else {
      field.select();
    }
  }

  // ---- wiring --------------------------------------------------------------------

  function on(selector, event, handler) {
    $all(selector).forEach(function (node) {
      node.addEventListener(event, function (e) { handler(node, e); });
    });
  }

  function wire() {
    on("[data-sm-action=explore]", "click", function () { enter(null); });
    on("[data-sm-action=story]", "click", leave);
    on("[data-sm-action=copy]", "click", copyLink);
    on("[data-sm-toggle]", "change", function () { api.showLayers(toggledLayers()); syncControls(); writeUrl(); });
    on("[data-sm-toggle-basemap]", "change", function (box) { setBasemap(box.checked); writeUrl(); });
    on("#sm-year-on", "change", function (box) {
      api.setYear(box.checked ? Number($("#sm-year").value) : null);
    });
    on("#sm-year", "input", function (slider) { api.setYear(Number(slider.value)); });
    on("[data-sm-chart]", "click", function (svg, event) { chooseYear(yearAt(svg, event)); });
    on("#sm-search", "input", function (field) { search(field.value); });
    on("#sm-search", "keydown", function (field, e) {
      if (e.key !== "Enter") return;
      const hits = search(field.value);
      if (hits.length) focusFeature(hits[0].id);
    });
    // the tables' rows are written later (writeTableRows): one listener for every show button
    document.addEventListener("click", function (e) {
      const button = e.target.closest && e.target.closest("[data-sm-show]");
      if (button) focusFeature(button.getAttribute("data-sm-show"));
    });
    on("[data-sm-sort]", "click", sortTable);
    on("[data-sm-download]", "click", function (button) {
      download(button.getAttribute("data-sm-download"), button.getAttribute("data-sm-format"));
    });
    document.addEventListener("storymap:year", function () { if (api.explore.active) { syncControls(); writeUrl(); } });
    // Opened from a link at load, explore's address was written before the first view's layers and
    // the basemap were on the map: written again once they are (the basemap joins last).
    document.addEventListener("storymap:basemap", function () { if (api.explore.active) { syncControls(); writeUrl(); } });
    document.addEventListener("storymap:mode", onMode);
    api.map.on("moveend", writeUrl);
    window.addEventListener("hashchange", function () {
      const state = parseHash(location.hash);
      if (state && !api.explore.active) enter(state);
    });
  }

  api.provide("explore", {
    enter: function (state) { enter(state || null); },
    leave: leave,
    state: currentState,
    focus: focusFeature,
    search: search,
  });

  document.addEventListener("storymap:ready", function () {
    wire();
    const state = parseHash(location.hash);
    if (state) enter(state);
  });
})();
