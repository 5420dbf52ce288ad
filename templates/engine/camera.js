/* storymap engine — camera: where the map looks. Fit margins and the largest fitted zoom come
 * from the model (data.camera, see storymap/styles.py), like the print figures'.
 *
 * A view is placed in the part of the map the reader actually sees: the map's box less what is
 * drawn over it at that moment — the header, Leaflet's controls, the legend and notices
 * ([data-sm-cover]), and a chapter's card over the map. Each of these is measured, not assumed, so
 * a phone's small map, a folded or open legend and a notice are all accounted for alike; and every
 * highlighted feature is kept inside that part, also in a view set by centre and zoom. */

// A chapter card scrolls over the map: it covers the full height of the map beside it.
function cardBand(box) {
  const section = state.sections[state.active];
  if (!section || state.mode === "explore") return null;
  const card = section.getBoundingClientRect();
  const left = Math.max(card.left, box.left), right = Math.min(card.right, box.right);
  const top = Math.max(card.top, box.top), bottom = Math.min(card.bottom, box.bottom);
  if (right <= left || bottom <= top) return null;
  // Only a card drawn above the map covers it; on a phone the cards pass beneath the map.
  const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
  if (!hit || !section.contains(hit)) return null;
  return { left: card.left, right: card.right, top: box.top, bottom: box.bottom };
}

function coverRects(box) {
  const nodes = [document.querySelector(".sm-bar")]
    .concat(Array.prototype.slice.call(state.map.getContainer().querySelectorAll(".leaflet-control")))
    .concat(Array.prototype.slice.call(document.querySelectorAll("[data-sm-cover]")));
  const rects = nodes.filter(function (node) { return node && node.getClientRects().length; })
    .map(function (node) { return node.getBoundingClientRect(); });
  const band = cardBand(box);
  if (band) rects.push(band);
  return rects;
}

// How far each cover reaches in from the map's edge: it is kept clear on the side where that
// costs the least of the map's area (a legend in a corner takes a strip off the bottom or the left).
function coverInsets() {
  const box = state.map.getContainer().getBoundingClientRect();
  const inset = { top: 0, right: 0, bottom: 0, left: 0 };
  coverRects(box).forEach(function (rect) {
    const left = Math.max(rect.left, box.left), right = Math.min(rect.right, box.right);
    const top = Math.max(rect.top, box.top), bottom = Math.min(rect.bottom, box.bottom);
    if (right <= left || bottom <= top) return;
    const sides = [
      ["top", bottom - box.top, box.width], ["bottom", box.bottom - top, box.width],
      ["left", right - box.left, box.height], ["right", box.right - left, box.height],
    ];
    const best = sides.reduce(function (a, b) { return b[1] * b[2] < a[1] * a[2] ? b : a; });
    inset[best[0]] = Math.max(inset[best[0]], Math.ceil(best[1]));
  });
  return keepSomeMap(inset, box);
}

// Covers on both sides may together leave almost nothing; keep at least a third of each dimension.
function keepSomeMap(inset, box) {
  [["left", "right", box.width], ["top", "bottom", box.height]].forEach(function (axis) {
    const taken = inset[axis[0]] + inset[axis[1]], most = axis[2] * 2 / 3;
    if (taken <= most) return;
    inset[axis[0]] = Math.floor(inset[axis[0]] * most / taken);
    inset[axis[1]] = Math.floor(inset[axis[1]] * most / taken);
  });
  return inset;
}

// The pixels kept free on each side of a view: what covers the map, plus the fit margin.
function padding() {
  const margin = state.data.camera.fit_margin;
  const inset = coverInsets();
  return { topLeft: [inset.left + margin, inset.top + margin], bottomRight: [inset.right + margin, inset.bottom + margin] };
}

function highlightBounds() {
  const bounds = L.latLngBounds([]);
  state.highlighted.forEach(function (id) {
    const layer = state.features[id];
    if (layer) bounds.extend(layer.getBounds ? layer.getBounds() : layer.getLatLng());
  });
  return bounds;
}

// The zoom at which `bounds` fits inside the padded part of the map (never above `most`).
function zoomFor(bounds, pad, most) {
  const room = L.point(pad.topLeft[0] + pad.bottomRight[0], pad.topLeft[1] + pad.bottomRight[1]);
  return Math.min(state.map.getBoundsZoom(bounds, false, room), most);
}

// The map's centre that shows `latlng` in the middle of the padded part of the map at `zoom`.
function centreFor(latlng, zoom, pad) {
  const offset = L.point(pad.topLeft[0] - pad.bottomRight[0], pad.topLeft[1] - pad.bottomRight[1]).divideBy(2);
  return state.map.unproject(state.map.project(latlng, zoom).subtract(offset), zoom);
}

// A fitted view: its bounds and every highlighted feature, centred in what the reader sees.
function fittedView(view, pad) {
  const bounds = L.latLngBounds(view.bounds);
  const highlighted = highlightBounds();
  if (highlighted.isValid()) bounds.extend(highlighted);
  const zoom = zoomFor(bounds, pad, view.max_zoom || state.data.camera.fit_max_zoom);
  const middle = state.map.unproject(state.map.project(bounds.getSouthWest(), zoom)
    .add(state.map.project(bounds.getNorthEast(), zoom)).divideBy(2), zoom);
  return { center: centreFor(middle, zoom, pad), zoom: zoom };
}

// A view by centre and zoom: the author's centre in the middle of what the reader sees, and the
// zoom lowered just enough that the highlighted features around it fit (a phone shows less).
function centredView(view, pad) {
  const centre = L.latLng(view.center);
  let zoom = view.zoom;
  const highlighted = highlightBounds();
  if (highlighted.isValid()) {
    const around = L.latLngBounds([highlighted.getSouthWest(), highlighted.getNorthEast(),
      mirrored(highlighted.getSouthWest(), centre), mirrored(highlighted.getNorthEast(), centre)]);
    zoom = zoomFor(around, pad, zoom);
  }
  return { center: centreFor(centre, zoom, pad), zoom: zoom };
}

function mirrored(latlng, centre) {
  return L.latLng(2 * centre.lat - latlng.lat, 2 * centre.lng - latlng.lng);
}

function moveTo(view, instant) {
  state.view = view;
  const pad = padding();
  const target = view.bounds ? fittedView(view, pad) : centredView(view, pad);
  if (instant || reducedMotion) state.map.setView(target.center, target.zoom, { animate: false });
  else state.map.flyTo(target.center, target.zoom, { duration: FLY_SECONDS });
}

// After the map's size or what covers it changed (a resize, a turned phone, the legend opened or
// folded, a notice shown or dismissed): the story's view again, placed for what is now visible.
// Explore mode leaves the map to the reader.
function refit(instant) {
  if (state.view && state.mode !== "explore") moveTo(state.view, instant);
}
