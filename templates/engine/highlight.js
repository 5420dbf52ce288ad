/* storymap engine — highlight: emphasised, labelled features, and the rest of their layer
 * stepping back. The looks come from the model (layer.styles: base, highlight, dimmed). */

// A permanent label placed by its CSS (storymap.css shifts it by its own size) instead of by
// measuring itself: Leaflet's tooltip reads its size when it opens and on every move of the map,
// and each read lays out the page again — most of the cost of a chapter change with labels.
// Its side of its point is the camera's rule (labelBoxes) for all the labels shown together: decided
// again when one opens, at every step of a zoom (a flight between chapters too, so the labels keep
// apart and in sight all the way) and when the map comes to rest (placeLabels), from pixels alone.
const Label = L.Tooltip.extend({
  onAdd: function (map) {
    L.Tooltip.prototype.onAdd.call(this, map);
    map.on("zoom moveend", placeLabels); // once: Leaflet does not add the same function twice
    placeLabels();
  },
  _setPosition: function (pos) {
    L.DomUtil.setPosition(this._container, pos);
  },
});

// Every shown label's side, by the camera's rule for them all together: in the order of the
// highlight and in the part of the map the view was placed in (labelArea), as the camera predicted
// them. (A feature its chapter's year holds back is not on the map: it has no label.)
function placeLabels() {
  const labels = state.highlighted.map(function (id) { return state.features[id].getTooltip(); })
    .filter(function (label) { return label instanceof Label && label.isOpen(); });
  const sizes = measureLabels(labels.map(function (label) { return label._source.feature.id; })); // done already, unless the highlight was not set by a chapter
  const boxes = labelBoxes(labels.map(function (label) { return state.map.latLngToContainerPoint(label._latlng); }), sizes, labelArea, sightAt(L.point(0, 0))).boxes;
  labels.forEach(function (label, i) {
    for (const side in LABEL_SIDES) label._container.classList.toggle("leaflet-tooltip-" + side, side === boxes[i].side);
    // Where the map has no room for it (the camera looked for a view that has), a label is left out
    // rather than drawn under a cover or over a label before it; its place stays highlighted.
    label._container.hidden = boxes[i].hidden;
  });
}

const LABEL_CLASS = "sm-label"; // the camera measures labels with the same classes (camera.js)

function labelContent(feature) {
  return element("span", "", nameOf(feature));
}

// A feature's data, from the model, whether or not its layer is built.
function featureData(id) {
  return state.layerOf[id].data.features.find(function (feature) { return feature.id === id; });
}

function bindLabel(layer, permanent) {
  // Content is a function so that it is built in the current language each time it opens.
  layer.unbindTooltip();
  const content = function () { return labelContent(layer.feature); };
  if (permanent) {
    const label = new Label({ permanent: true, className: LABEL_CLASS }, layer);
    layer.bindTooltip(label.setContent(content)).openTooltip();
  } else {
    layer.bindTooltip(content, { sticky: !layer.getLatLng });
  }
}

function restyle(id, look) {
  state.features[id].setStyle(featureStyle(id, look));
}

function restyleLayer(layerId, look) {
  // Every feature, also those the year filter holds back, so that they return in the right look.
  state.data.layers.find(function (def) { return def.id === layerId; }).data.features
    .forEach(function (feature) { restyle(feature.id, look); });
}

function setHighlight(ids) {
  // In a layer with highlighted features the others step back, so the highlight reads at a glance.
  // Only layers whose state changes are restyled: with thousands of features that is the cost.
  ids.forEach(featureLayer); // their layers built, if they were not yet
  const dimmed = new Set(ids.map(function (id) { return state.layerOf[id].id; }));
  const lookOf = function (layerId) { return dimmed.has(layerId) ? "dimmed" : "base"; };
  const changed = new Set();
  dimmed.forEach(function (id) { if (!state.dimmedLayers.has(id)) changed.add(id); });
  state.dimmedLayers.forEach(function (id) { if (!dimmed.has(id)) changed.add(id); });
  changed.forEach(function (layerId) { restyleLayer(layerId, lookOf(layerId)); });
  state.highlighted.forEach(function (id) {
    const layerDef = state.layerOf[id];
    if (!changed.has(layerDef.id)) restyle(id, lookOf(layerDef.id));
    if (layerDef.kind === "context") state.features[id].unbindTooltip(); // backdrop: no hover label
    else bindLabel(state.features[id], false);
  });
  state.dimmedLayers = dimmed;
  state.highlighted = ids.slice();
  ids.forEach(function (id) {
    const layer = state.features[id];
    restyle(id, "highlight");
    if (!state.layers[state.layerOf[id].id].hasLayer(layer)) return; // filtered out by the chapter's year
    // A feature still to come with a later slice of its layer is labelled as it joins the map
    // (a permanent label opens when its feature is added).
    if (layer._map && layer.bringToFront) layer.bringToFront();
    bindLabel(layer, true);
  });
}
