/* storymap engine — layers: each layer of the story as a SlicedGeoJSON in two panes of its own,
 * styled from the model's styles (storymap/styles.py, sent as layer.styles); showing, fading and
 * hiding layers; and the year filter. A layer is built when it is first needed (shown, or asked
 * for through the API) or when the browser is idle: building every layer at once held up the
 * page's start by more than 100 ms. */

// The model's neutral style keys as Leaflet path options: a renaming, never a rule of its own.
// `size` (optional): a sized dot's radius as a factor of its layer's (layer.size_of).
function leafletStyle(style, size) {
  const out = {
    color: style.stroke,
    weight: style.stroke_width,
    opacity: style.stroke_opacity,
    fill: style.fill !== null,
    fillColor: style.fill,
    fillOpacity: style.fill_opacity,
    dashArray: style.stroke_dasharray,
  };
  if (style.radius !== undefined) {
    out.radius = size === undefined ? style.radius : style.radius * size;
    out.symbol = style.symbol;
  }
  return out;
}

// A dot drawn as one of the model's symbols (page data `symbols`: corners in units of the radius,
// y downwards). A CircleMarker in all else, so it is highlighted, dimmed, faded, clicked and
// hovered exactly like a dot, on SVG and canvas alike.
const ShapeMarker = L.CircleMarker.extend({
  _updatePath: function () {
    const p = this._point;
    const r = this._radius;
    this._parts = this._empty() ? [] : [this.options.shape.map(function (xy) {
      return L.point(p.x + xy[0] * r, p.y + xy[1] * r);
    })];
    this._renderer._updatePoly(this, true);
  },
});

// A dot drawn as the layer's icon (an image embedded in the page): sized by its style's radius,
// faded by its stroke opacity, ringed in its stroke colour, so that highlight and dimming read as
// they do for dots.
const IconMarker = L.Marker.extend({
  setStyle: function (style) {
    if (style.radius === undefined) return this; // L.GeoJSON's empty style for dots (see buildLayer)
    const size = 2 * style.radius;
    this.options.smStyle = style;
    this.setIcon(L.icon({ iconUrl: this.options.iconUrl, iconSize: [size, size], className: "sm-icon" }));
    this.setOpacity(style.opacity);
    this._ring();
    return this;
  },
  onAdd: function (map) {
    this.setStyle(this.options.smStyle); // off the map: sets the icon the element is made from
    L.Marker.prototype.onAdd.call(this, map);
    this._ring();
  },
  _ring: function () {
    const node = this.getElement();
    const style = this.options.smStyle;
    if (node) node.style.filter = "drop-shadow(0 0 " + style.weight / 2 + "px " + style.color + ")";
  },
});

function dot(latlng, style, options) {
  if (style.symbol === "icon") {
    return new IconMarker(latlng, Object.assign({}, options, { keyboard: false, smStyle: style }));
  }
  const shape = state.data.symbols[style.symbol];
  const all = Object.assign(style, options);
  return shape && shape.length ? new ShapeMarker(latlng, Object.assign(all, { shape: shape })) : L.circleMarker(latlng, all);
}

function styleKind(feature) {
  const type = feature.geometry.type;
  if (type === "Point" || type === "MultiPoint") return "point";
  return type.indexOf("LineString") !== -1 ? "line" : "area";
}

// A feature's Leaflet style in one of the model's states: "base", "highlight" or "dimmed".
function featureStyle(id, look) {
  const layer = state.features[id];
  return leafletStyle(state.stylesOf[id][styleKind(layer.feature)][look], layer.smSize);
}

function pane(name, zIndex) {
  const node = state.map.createPane(name);
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
  const interactive = layerDef.kind !== "context";
  // A layer whose style is decided per feature sends its looks and each feature's look, in data
  // order; sized dots a factor of their radius each.
  const lookOf = {};
  const sizeOf = {};
  layerDef.data.features.forEach(function (feature, i) {
    if (layerDef.looks) lookOf[feature.id] = layerDef.looks[layerDef.look_of[i]];
    if (layerDef.size_of) sizeOf[feature.id] = layerDef.size_of[i];
  });
  const stylesOf = function (feature) { return lookOf[feature.id] || layerDef.styles; };
  const base = function (feature) {
    return leafletStyle(stylesOf(feature)[styleKind(feature)].base, sizeOf[feature.id]);
  };
  const group = new SlicedGeoJSON(layerDef.data, {
    pane: shapesPane,
    style: function (feature) {
      // Leaflet applies this to dots too; they keep the options pointToLayer gave them.
      if (styleKind(feature) === "point") return {};
      return Object.assign(base(feature), { interactive: interactive, renderer: renderers[0] });
    },
    pointToLayer: function (feature, latlng) {
      return dot(latlng, base(feature), {
        interactive: interactive, pane: pointsPane, renderer: renderers[1], iconUrl: layerDef.icon,
      });
    },
    onEachFeature: function (feature, leafletLayer) {
      state.features[feature.id] = leafletLayer;
      state.stylesOf[feature.id] = stylesOf(feature);
      leafletLayer.smSize = sizeOf[feature.id];
      if (!interactive) return;
      leafletLayer.bindPopup(function () { return popupContent(layerDef, feature); });
      bindLabel(leafletLayer, false);
    },
  });
  group.smPanes = panes;
  return group;
}

// The layer's Leaflet layer, built now if it was not yet (in the current year's filter).
function layerGroup(id) {
  if (state.layers[id]) return state.layers[id];
  const index = state.data.layers.findIndex(function (layerDef) { return layerDef.id === id; });
  const layerDef = state.data.layers[index];
  state.layers[id] = buildLayer(layerDef, index);
  if (state.year !== null) filterByYear(layerDef, state.year);
  return state.layers[id];
}

// Every layer, built, in drawing order (whatever order they were built in), frozen as the API
// hands it out.
function allLayers() {
  if (Object.isFrozen(state.layers)) return state.layers;
  const ordered = {};
  state.data.layers.forEach(function (layerDef) { ordered[layerDef.id] = layerGroup(layerDef.id); });
  state.layers = Object.freeze(ordered);
  return state.layers;
}

// The Leaflet layer of one feature, its layer built if needed; undefined for an unknown id.
function featureLayer(id) {
  if (!state.layerOf[id]) return undefined;
  layerGroup(state.layerOf[id].id);
  return state.features[id];
}

const fading = {}; // layer id -> timer of a pending fade-out
const appearing = {}; // layer id -> animation frame that starts a fade-in

function setOpacity(group, value) {
  group.smPanes.forEach(function (node) { node.style.opacity = value; });
}

// `opacity`: the layer's opacity as a whole (a chapter may show a layer faded), 1 when not given.
// `instant`: appear without fading in (the page's first view).
function showLayer(id, opacity, instant) {
  const group = layerGroup(id);
  const target = String(opacity === undefined ? 1 : opacity);
  clearTimeout(fading[id]);
  delete fading[id];
  cancelAnimationFrame(appearing[id]);
  delete appearing[id];
  if (!state.map.hasLayer(group)) {
    setOpacity(group, "0");
    group.addTo(state.map);
    if (!instant) {
      // The fade starts once a frame has drawn opacity 0: reading the layout here to commit it
      // would make the browser lay out the page in the middle of a chapter change.
      appearing[id] = requestAnimationFrame(function () {
        appearing[id] = requestAnimationFrame(function () { delete appearing[id]; setOpacity(group, target); });
      });
      return;
    }
  }
  setOpacity(group, target);
}

// `instant`: leave at once, also a layer already fading out (a jump: see showOnly).
function hideLayer(id, instant) {
  const group = state.layers[id];
  if (!group || !state.map.hasLayer(group) || (fading[id] && !instant)) return;
  clearTimeout(fading[id]);
  cancelAnimationFrame(appearing[id]);
  delete appearing[id];
  setOpacity(group, "0");
  const remove = function () { delete fading[id]; state.map.removeLayer(group); };
  if (reducedMotion || instant) remove();
  else fading[id] = setTimeout(remove, FADE_MS);
}

// The legend lists the layers shown. A chapter switch sets it before the camera moves: the camera
// keeps the view clear of the legend as it will be.
function showLegend(ids) {
  const wanted = new Set(ids);
  document.querySelectorAll("[data-sm-legend]").forEach(function (item) {
    item.hidden = !wanted.has(item.getAttribute("data-sm-legend"));
  });
}

let showing = 0; // the latest showOnly; a gradual one stops when a newer one has begun

// `opacities` (optional): layer id -> opacity, for layers shown faded. With `onShown` (the page's
// first view) the layers are built and appear bottom first, without fading, in steps (a layer's
// build, its drawing) taken from the next task on, so that no task is long; onShown() is called
// once all are on the map. The legend shows them all at once.
//
// `instant` (a jump: goTo with instant, the presentation's clicker): no fades either. A layer
// fading out stays on the map for FADE_MS, drawn again at every move, and a fade animates the whole
// map for as long: at a jump the reader sees no crossfade anyway, as the view itself jumps.
function showOnly(ids, opacities, onShown, instant) {
  const gradually = typeof onShown === "function";
  const run = showing += 1;
  const wanted = new Set(ids);
  const shown = [];
  state.data.layers.forEach(function (layerDef) {
    if (wanted.has(layerDef.id)) shown.push(layerDef.id);
    else hideLayer(layerDef.id, instant);
  });
  showLegend(ids);
  const show = function (id) { showLayer(id, opacities ? opacities[id] : undefined, gradually || instant); };
  if (!gradually) {
    shown.forEach(show);
    return;
  }
  // Building a layer and drawing it are steps of their own (together they are the longest part
  // of the start for the story's largest layer). A task takes steps until it has run for
  // STEP_BUDGET_MS: small layers share a task, and the view is painted in a few frames, not one
  // per step.
  const steps = [];
  shown.forEach(function (id) {
    steps.push(function () { layerGroup(id); }, function () { show(id); });
  });
  firstTask(function next() {
    if (run !== showing) {
      onShown(); // a newer view has taken this one's place: what waited for this one goes on
      return;
    }
    const began = performance.now();
    while (steps.length && performance.now() - began < STEP_BUDGET_MS) steps.shift()();
    if (steps.length) firstTask(next);
    else onShown();
  });
}

function visibleLayers() {
  return state.data.layers
    .map(function (layerDef) { return layerDef.id; })
    .filter(function (id) { return state.layers[id] && state.map.hasLayer(state.layers[id]) && !fading[id]; });
}

function visibleFeatures(layerId) {
  const ids = [];
  layerGroup(layerId).eachLayer(function (layer) { ids.push(layer.feature.id); });
  return ids;
}

// ---- the year filter ------------------------------------------------------------------

function existsIn(pair, year) {
  // A feature with an unknown start year is shown only while no year is chosen.
  return pair[0] !== null && pair[0] <= year && (pair[1] === null || year <= pair[1]);
}

// Whether feature `id` is on the map in `year` (null: every feature is).
function shownIn(id, year) {
  const layerDef = state.layerOf[id];
  return year === null || !layerDef.years || existsIn(layerDef.years[layerDef.data.features.indexOf(featureData(id))], year);
}

// A built layer keeps the features that exist in `year` (all of them for null).
function filterByYear(layerDef, year) {
  const group = state.layers[layerDef.id];
  if (!layerDef.years || !group) return; // a layer built later is filtered when it is built
  layerDef.data.features.forEach(function (feature, i) {
    const layer = state.features[feature.id];
    const wanted = year === null || existsIn(layerDef.years[i], year);
    if (wanted && !group.hasLayer(layer)) group.addLayer(layer);
    else if (!wanted && group.hasLayer(layer)) group.removeLayer(layer);
  });
}

function setYear(year) {
  const chosen = year === null || year === undefined ? null : Number(year);
  if (chosen === state.year) return;
  state.year = chosen;
  state.data.layers.forEach(function (layerDef) { filterByYear(layerDef, chosen); });
  emit("storymap:year", { year: chosen });
}
