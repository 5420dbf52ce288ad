/* storymap engine: turns the story's embedded JSON and the page's chapter sections into a
 * scroll-driven map. It never names a chapter or a layer: everything comes from the data.
 * Public API (the only global besides Leaflet's L): window.storymap, see docs/js-api.md. */
(function () {
  "use strict";

  const FADE_MS = 400;
  const FLY_SECONDS = 1.2;
  const FIT_MARGIN = 24; // pixels kept free around a fitted view
  const FIT_MAX_ZOOM = 16;
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  // Switch to the scripted layout now, before the map is created, so Leaflet measures its real size.
  document.documentElement.classList.replace("no-js", "js");

  const api = {
    map: null,
    layers: {},
    chapters: [],
    active: null,
    language: document.documentElement.lang,
    start: start,
    goTo: goTo,
    visibleLayers: visibleLayers,
    visibleFeatures: visibleFeatures,
    showLayers: showOnly,
    highlight: function (ids) { setHighlight(ids || []); },
    feature: function (id) { return features[id]; },
    layerOf: function (id) { return layerOfFeature[id]; },
    year: null,
    setYear: setYear,
    padding: padding,
    setLanguage: setLanguage,
    text: localised,
    property: property,
    data: null,
    basemap: null,
  };
  window.storymap = api;

  let data = null;
  let sections = [];
  let activeIndex = -1;
  const features = {}; // feature id -> Leaflet layer of that one feature
  const layerOfFeature = {}; // feature id -> layer definition
  const fading = {}; // layer id -> timer of a pending fade-out
  let highlighted = [];
  let dimmedLayers = new Set(); // layers whose features step back for a highlight

  // ---- text -------------------------------------------------------------------------

  function localised(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "object") return value[api.language] || value[data.languages[0]] || "";
    return String(value);
  }

  function property(props, key) {
    const own = props[key + "_" + api.language];
    return own !== undefined && own !== null ? own : props[key];
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; // textContent: feature data is never parsed as HTML
    return node;
  }

  function popupContent(layerDef, feature) {
    const props = feature.properties || {};
    const box = element("div", "sm-popup");
    box.appendChild(element("h3", "", String(property(props, "name") || feature.id)));
    const description = property(props, "description");
    if (description) box.appendChild(element("p", "", String(description)));
    const list = element("dl");
    layerDef.popup.forEach(function (field) {
      const value = property(props, field.key);
      if (value === undefined || value === null || value === "") return;
      addRow(list, localised(field.label) || field.key, typeof value === "object" ? JSON.stringify(value) : value);
    });
    const ui = data.ui[api.language];
    if (props.area_ha != null) addRow(list, ui.area, props.area_ha + " ha");
    if (props.length_km != null) addRow(list, ui.length, props.length_km + " km");
    if (props.accuracy) addRow(list, ui.accuracy, accuracyText(ui, props.accuracy));
    const source = property(props, "source");
    const url = safeUrl(props.source_url);
    if (source || url) {
      const value = url ? element("a", "", String(source || url)) : document.createTextNode(String(source));
      if (url) { value.href = url; value.rel = "noopener noreferrer"; value.target = "_blank"; }
      list.appendChild(element("dt", "", ui.source));
      const cell = element("dd");
      cell.appendChild(value);
      list.appendChild(cell);
    }
    if (list.childNodes.length) box.appendChild(list);
    return box;
  }

  // A known accuracy level reads as its word and what it means; any other value as written.
  function accuracyText(ui, level) {
    const known = ui.accuracy_levels[level];
    return known ? known.label + " \u2014 " + known.note : String(level);
  }

  function addRow(list, label, value) {
    list.appendChild(element("dt", "", label));
    list.appendChild(element("dd", "", String(value)));
  }

  function safeUrl(value) {
    // Only web links become links; anything else (javascript:, data:, ...) stays text or nothing.
    return typeof value === "string" && /^https?:\/\//i.test(value.trim()) ? value.trim() : null;
  }

  // ---- layers -----------------------------------------------------------------------

  function pathStyle(style) {
    return {
      color: style.color,
      weight: style.weight,
      opacity: style.opacity,
      fillColor: style.fill_color,
      fillOpacity: style.fill_opacity,
      dashArray: style.dash || null,
      radius: style.radius,
    };
  }

  function pane(name, zIndex) {
    const node = api.map.createPane(name);
    node.classList.add("sm-pane");
    node.style.zIndex = String(zIndex);
    return node;
  }

  function buildLayer(layerDef, index) {
    // Two panes per layer: areas and lines in the author's order, and above all of them the
    // layer's dots, so that a point is never buried under another layer's polygon.
    const shapesPane = "sm-pane-" + layerDef.id;
    const pointsPane = shapesPane + "-points";
    const panes = [pane(shapesPane, 410 + index), pane(pointsPane, 500 + index)];
    const renderers = layerDef.canvas
      ? [L.canvas({ pane: shapesPane }), L.canvas({ pane: pointsPane })]
      : [undefined, undefined];
    // Context layers are backdrop: they must not catch clicks meant for the story's features.
    const base = Object.assign(pathStyle(layerDef.style), { interactive: layerDef.kind !== "context" });
    const group = L.geoJSON(layerDef.data, {
      pane: shapesPane,
      style: function (feature) {
        // Leaflet applies this to dots too; they keep the style pointToLayer gave them.
        const type = feature.geometry.type;
        if (type === "Point" || type === "MultiPoint") return {};
        // Areas are drawn at most 45% opaque, so that what lies beneath them stays readable.
        const isLine = type.indexOf("LineString") !== -1;
        return Object.assign({}, base, {
          fill: !isLine, fillOpacity: Math.min(base.fillOpacity, 0.45), renderer: renderers[0],
        });
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, Object.assign({}, base, { pane: pointsPane, fill: true, renderer: renderers[1] }));
      },
      onEachFeature: function (feature, leafletLayer) {
        features[feature.id] = leafletLayer;
        layerOfFeature[feature.id] = layerDef;
        leafletLayer.smBase = Object.assign({}, leafletLayer.options);
        if (layerDef.kind === "context") return;
        leafletLayer.bindPopup(function () { return popupContent(layerDef, feature); });
        bindLabel(leafletLayer, false);
      },
    });
    group.smPanes = panes;
    if (layerDef.canvas) joinInSlices(group);
    return group;
  }

  // A large layer joins and leaves the map a slice at a time: 10,000 canvas shapes added or
  // removed at once block the page for ~80 ms, long enough to make a scroll stutter.
  const SLICE = 2000;

  function joinInSlices(group) {
    let run = 0; // each add or remove starts a new run; a stale run stops at its next slice
    function sliced(map, adding) {
      const mine = ++run;
      const members = group.getLayers();
      let i = 0;
      (function next() {
        if (mine !== run) return;
        for (const end = Math.min(i + SLICE, members.length); i < end; i += 1) {
          // A feature the year filter took out meanwhile stays out.
          if (!adding) map.removeLayer(members[i]);
          else if (group.hasLayer(members[i])) map.addLayer(members[i]);
        }
        if (i < members.length) setTimeout(next, 0);
      })();
    }
    group.onAdd = function (map) { sliced(map, true); };
    group.onRemove = function (map) { sliced(map, false); };
  }

  function setOpacity(group, value) {
    group.smPanes.forEach(function (node) { node.style.opacity = value; });
  }

  function showLayer(id) {
    const group = api.layers[id];
    clearTimeout(fading[id]);
    delete fading[id];
    if (!api.map.hasLayer(group)) {
      setOpacity(group, "0");
      group.addTo(api.map);
      void group.smPanes[0].offsetWidth; // commit opacity 0 so that the change below animates
    }
    setOpacity(group, "1");
  }

  function hideLayer(id) {
    const group = api.layers[id];
    if (!api.map.hasLayer(group) || fading[id]) return;
    setOpacity(group, "0");
    const remove = function () { delete fading[id]; api.map.removeLayer(group); };
    if (reducedMotion) remove();
    else fading[id] = setTimeout(remove, FADE_MS);
  }

  function showOnly(ids) {
    const wanted = new Set(ids);
    data.layers.forEach(function (layerDef) {
      if (wanted.has(layerDef.id)) showLayer(layerDef.id);
      else hideLayer(layerDef.id);
    });
    document.querySelectorAll("[data-sm-legend]").forEach(function (item) {
      item.hidden = !wanted.has(item.getAttribute("data-sm-legend"));
    });
  }

  function visibleLayers() {
    return data.layers
      .map(function (layerDef) { return layerDef.id; })
      .filter(function (id) { return api.map.hasLayer(api.layers[id]) && !fading[id]; });
  }

  function visibleFeatures(layerId) {
    const ids = [];
    api.layers[layerId].eachLayer(function (layer) { ids.push(layer.feature.id); });
    return ids;
  }

  // ---- time -------------------------------------------------------------------------

  function existsIn(pair, year) {
    // A feature with an unknown start year is shown only while no year is chosen.
    return pair[0] !== null && pair[0] <= year && (pair[1] === null || year <= pair[1]);
  }

  function setYear(year) {
    const chosen = year === null || year === undefined ? null : Number(year);
    if (chosen === api.year) return;
    api.year = chosen;
    data.layers.forEach(function (layerDef) {
      if (!layerDef.years) return;
      const group = api.layers[layerDef.id];
      layerDef.data.features.forEach(function (feature, i) {
        const layer = features[feature.id];
        const wanted = api.year === null || existsIn(layerDef.years[i], api.year);
        if (wanted && !group.hasLayer(layer)) group.addLayer(layer);
        else if (!wanted && group.hasLayer(layer)) group.removeLayer(layer);
      });
    });
    document.dispatchEvent(new CustomEvent("storymap:year", { detail: { year: api.year } }));
  }

  // ---- highlight --------------------------------------------------------------------

  function nameOf(layer) {
    const feature = layer.feature;
    return String(property(feature.properties || {}, "name") || feature.id);
  }

  function bindLabel(layer, permanent) {
    // Content is a function so that it is built in the current language each time it opens.
    layer.unbindTooltip();
    const content = function () { return element("span", "", nameOf(layer)); };
    if (permanent) {
      layer.bindTooltip(content, { permanent: true, direction: "auto", className: "sm-label" }).openTooltip();
    } else {
      layer.bindTooltip(content, { sticky: !(layer instanceof L.CircleMarker) });
    }
  }

  function dimStyle(base) {
    return { opacity: base.opacity * 0.7, fillOpacity: base.fillOpacity * 0.5 };
  }

  function restyleLayer(layerId, dim) {
    api.layers[layerId].eachLayer(function (layer) { layer.setStyle(dim ? dimStyle(layer.smBase) : layer.smBase); });
  }

  function setHighlight(ids) {
    // In a layer with highlighted features the others step back, so the highlight reads at a glance.
    // Only layers whose state changes are restyled: with thousands of features that is the cost.
    const dimmed = new Set(ids.map(function (id) { return layerOfFeature[id].id; }));
    dimmedLayers.forEach(function (id) { if (!dimmed.has(id)) restyleLayer(id, false); });
    dimmed.forEach(function (id) { if (!dimmedLayers.has(id)) restyleLayer(id, true); });
    highlighted.forEach(function (id) {
      const layer = features[id];
      const dim = dimmed.has(layerOfFeature[id].id);
      if (dimmedLayers.has(layerOfFeature[id].id) === dim) layer.setStyle(dim ? dimStyle(layer.smBase) : layer.smBase);
      if (layerOfFeature[id].kind === "context") layer.unbindTooltip(); // backdrop: no hover label
      else bindLabel(layer, false);
    });
    dimmedLayers = dimmed;
    highlighted = ids.slice();
    highlighted.forEach(function (id) {
      const layer = features[id];
      const base = layer.smBase;
      const isLine = !base.fill;
      const isPoint = layer instanceof L.CircleMarker;
      layer.setStyle({
        // Lines keep their colour and grow; dots and areas get a dark outline; areas stay see-through.
        color: isLine ? base.color : "#111111",
        weight: isLine ? base.weight * 1.8 : Math.max(base.weight + 2, 3),
        opacity: 1,
        fillOpacity: isPoint ? Math.max(base.fillOpacity, 0.85) : Math.min(Math.max(base.fillOpacity, 0.3), 0.5),
        radius: isPoint ? base.radius * 1.5 : undefined,
      });
      if (!layer._map) return; // filtered out by the chapter's year
      if (layer.bringToFront) layer.bringToFront();
      bindLabel(layer, true);
    });
  }

  // ---- camera -----------------------------------------------------------------------

  function padding() {
    // Fitted views keep clear of the legend, which sits over the map's lower left corner.
    const legend = document.getElementById("sm-legend");
    const below = legend && legend.offsetParent ? legend.offsetHeight : 0;
    return { topLeft: [FIT_MARGIN, FIT_MARGIN], bottomRight: [FIT_MARGIN, FIT_MARGIN + below] };
  }

  function moveTo(view, instant) {
    const animate = !(instant || reducedMotion);
    if (view.bounds) {
      const pad = padding();
      const options = { paddingTopLeft: pad.topLeft, paddingBottomRight: pad.bottomRight, maxZoom: view.max_zoom || FIT_MAX_ZOOM };
      if (animate) api.map.flyToBounds(view.bounds, Object.assign({ duration: FLY_SECONDS }, options));
      else api.map.fitBounds(view.bounds, Object.assign({ animate: false }, options));
    } else if (animate) {
      api.map.flyTo(view.center, view.zoom, { duration: FLY_SECONDS });
    } else {
      api.map.setView(view.center, view.zoom, { animate: false });
    }
  }

  // ---- chapters ---------------------------------------------------------------------

  function progress() {
    const total = data.chapters.length;
    const n = activeIndex + 1;
    document.getElementById("sm-progress-bar").style.width = (100 * n / total) + "%";
    const template = data.ui[api.language].progress;
    document.getElementById("sm-progress-text").textContent =
      n > 0 ? template.replace("{n}", n).replace("{total}", total) : "";
  }

  function announce(index) {
    // Screen readers hear the chapter's title and what the map now shows.
    const article = sections[index].querySelector("article[lang='" + api.language + "']");
    const description = article.querySelector("[data-sm-description]");
    document.getElementById("sm-announce").textContent =
      article.querySelector("h2").textContent + ". " + (description ? description.textContent : "");
  }

  function activate(index, instant) {
    if (index === activeIndex) return;
    const previous = api.active;
    const chapter = data.chapters[index];
    activeIndex = index;
    api.active = chapter.id;
    sections.forEach(function (section, i) {
      section.classList.toggle("is-active", i === index);
      if (i === index) section.setAttribute("aria-current", "step");
      else section.removeAttribute("aria-current");
    });
    showOnly(chapter.layers);
    setYear(chapter.year);
    setHighlight(chapter.highlight);
    moveTo(chapter.view, instant);
    progress();
    announce(index);
    if (location.hash !== "#" + chapter.id) history.replaceState(null, "", "#" + chapter.id);
    document.dispatchEvent(new CustomEvent("storymap:chapter", {
      detail: { id: chapter.id, index: index, previous: previous },
    }));
  }

  function indexOf(id) {
    return data.chapters.findIndex(function (chapter) { return chapter.id === id; });
  }

  function goTo(id, options) {
    const index = indexOf(id);
    if (index === -1) throw new Error("storymap: no chapter " + JSON.stringify(id));
    const instant = Boolean(options && options.instant);
    if (options && options.force) activeIndex = -1; // re-apply the chapter even if it is the active one
    sections[index].scrollIntoView({ block: "start", behavior: instant || reducedMotion ? "auto" : "smooth" });
    activate(index, instant);
  }

  function observeScrolling() {
    // A chapter becomes active when it crosses a line across the reading area: the middle
    // of the window on wide screens, lower down on phones where the map takes the top.
    const narrow = window.matchMedia("(max-width: 899px)").matches;
    const margin = narrow ? "-70% 0px -29% 0px" : "-50% 0px -49% 0px";
    const observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) activate(sections.indexOf(entry.target), false);
      });
    }, { rootMargin: margin, threshold: 0 });
    sections.forEach(function (section) { observer.observe(section); });
  }

  // ---- language ---------------------------------------------------------------------

  function setLanguage(lang) {
    if (data.languages.indexOf(lang) === -1) return;
    api.language = lang;
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-sm-lang]").forEach(function (node) {
      node.hidden = node.getAttribute("data-sm-lang") !== lang;
    });
    document.querySelectorAll("[data-sm-set-lang]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-sm-set-lang") === lang));
    });
    api.chapters = data.chapters.map(function (c) { return { id: c.id, title: localised(c.title) }; });
    offlineNotice(api.offline);
    progress();
    if (activeIndex >= 0) setHighlight(highlighted); // relabel highlighted features
    const url = new URL(location.href);
    if (lang === data.languages[0]) url.searchParams.delete("lang");
    else url.searchParams.set("lang", lang);
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }

  // ---- basemap ----------------------------------------------------------------------

  function offlineNotice(show) {
    api.offline = Boolean(show);
    document.querySelectorAll("[data-sm-offline]").forEach(function (node) {
      node.hidden = !show || node.getAttribute("data-sm-lang") !== api.language;
    });
  }

  function watchBasemap() {
    let loaded = 0;
    api.map.eachLayer(function (layer) {
      if (!(layer instanceof L.TileLayer)) return;
      api.basemap = layer;
      layer.on("tileload", function () { loaded += 1; offlineNotice(false); });
      layer.on("tileerror", function () { if (loaded === 0) offlineNotice(true); });
    });
  }

  function openSourcesForPrint() {
    // A printed page cannot be clicked: show every chapter's sources while printing.
    let opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.prototype.filter.call(document.querySelectorAll("details.sm-sources"), function (d) { return !d.open; });
      opened.forEach(function (d) { d.open = true; });
    });
    window.addEventListener("afterprint", function () { opened.forEach(function (d) { d.open = false; }); });
  }

  // ---- start ------------------------------------------------------------------------

  function start(map) {
    data = JSON.parse(document.getElementById("sm-data").textContent);
    api.data = data;
    api.map = map;
    data.layers.forEach(function (layerDef, index) { api.layers[layerDef.id] = buildLayer(layerDef, index); });
    sections = data.chapters.map(function (chapter) { return document.getElementById(chapter.id); });
    watchBasemap();

    const requested = new URLSearchParams(location.search).get("lang");
    setLanguage(requested && data.languages.indexOf(requested) !== -1 ? requested : data.languages[0]);
    document.querySelectorAll("[data-sm-set-lang]").forEach(function (button) {
      button.addEventListener("click", function () { setLanguage(button.getAttribute("data-sm-set-lang")); });
    });

    // Before the first chapter: the story's own view with every layer, as an overview.
    showOnly(data.layers.map(function (layerDef) { return layerDef.id; }));
    moveTo(data.view, true);

    const linked = indexOf(decodeURIComponent(location.hash.slice(1)));
    if (linked !== -1) {
      sections[linked].scrollIntoView({ block: "start" });
      activate(linked, true);
    }
    window.addEventListener("hashchange", function () {
      const index = indexOf(decodeURIComponent(location.hash.slice(1)));
      if (index !== -1 && index !== activeIndex) goTo(data.chapters[index].id);
    });
    observeScrolling();
    openSourcesForPrint();
    performance.mark("storymap:ready"); // for benchmarks: when the map and layers are usable
    document.dispatchEvent(new CustomEvent("storymap:ready"));
  }
})();
