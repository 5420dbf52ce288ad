/* storymap engine — camera: where the map looks. Fit margins and the largest fitted zoom come
 * from the model (data.camera, see storymap/styles.py), like the print figures'.
 *
 * A view is placed in the part of the map the reader actually sees: the map's box less what is
 * drawn over it at that moment — the header, Leaflet's controls, the legend and notices
 * ([data-sm-cover]), and a chapter's card over the map. Each of these is measured, not assumed, so
 * a phone's small map, a folded or open legend and a notice are all accounted for alike; and every
 * highlighted feature is kept inside that part, also in a view set by centre and zoom. */

// The card of the chapter whose map is shown, where it is drawn over the map (chapter key
// `align`): it scrolls past, so it covers the full height of the map beside it. Where the map sits
// above the text (narrow screens) the cards pass beneath it, and a card in the text column
// (presentation mode, align left) does not reach it. The card measured is that of the chapter the
// map comes from, so an interlude shows the map exactly as that chapter placed it.
function cardBand(box) {
  const section = state.mapFrom === null ? null : document.getElementById(state.mapFrom);
  if (!section || state.mode === "explore") return null;
  const column = document.getElementById("sm-story").getBoundingClientRect();
  if (column.right > box.left + 1) return null;
  const card = section.getBoundingClientRect();
  if (Math.min(card.right, box.right) <= Math.max(card.left, box.left)) return null;
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
  highlightBoxes().forEach(function (box) { bounds.extend(box); });
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

// A view by centre and zoom: the author's centre stays the map's, and where a highlighted feature
// would lie outside the map or under something drawn over it (a phone shows less), the zoom is
// lowered step by step until every one is clear. Where all are, the author's view is kept as set.
// Where no zoom clears them (a cover over the map's middle, like an open legend on a small map),
// the centre and the features are fitted into the part of the map nothing covers.
function centredView(view) {
  const centre = L.latLng(view.center);
  const boxes = highlightBoxes();
  let zoom = view.zoom;
  const step = state.map.options.zoomSnap || 1;
  const lowest = Math.max(state.map.getMinZoom(), view.zoom - 3);
  if (!boxes.length) return { center: centre, zoom: zoom };
  const box = state.map.getContainer().getBoundingClientRect();
  const covers = coverRects(box);
  while (zoom - step >= lowest && !clearAt(boxes, centre, zoom, box, covers)) zoom -= step;
  if (clearAt(boxes, centre, zoom, box, covers)) return { center: centre, zoom: zoom };
  return fittedView({ bounds: L.latLngBounds([centre, centre]), max_zoom: view.zoom }, padding());
}

// The features the view on screen keeps in sight: the chapter's highlight, which a chapter switch
// draws only after the move (see showChapter), so the camera is told it rather than reading it.
function highlightBoxes() {
  return state.viewHighlight.map(function (id) {
    const layer = featureLayer(id); // built now if its layer is not yet (layers are built lazily)
    if (!layer) return null;
    return layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng(), layer.getLatLng()]);
  }).filter(Boolean);
}

// Whether every highlighted feature, on a map centred on `centre` at `zoom`, lies inside the map
// less the fit margin and touches no cover (with a marker's room around a point).
function clearAt(boxes, centre, zoom, box, covers) {
  const map = state.map, margin = state.data.camera.fit_margin, room = margin / 3;
  const origin = map.project(centre, zoom).subtract([box.width / 2, box.height / 2]);
  return boxes.every(function (bounds) {
    const sw = map.project(bounds.getSouthWest(), zoom).subtract(origin);
    const ne = map.project(bounds.getNorthEast(), zoom).subtract(origin);
    const rect = { left: box.left + sw.x - room, right: box.left + ne.x + room, top: box.top + ne.y - room, bottom: box.top + sw.y + room };
    if (rect.left < box.left + margin - room || rect.right > box.right - margin + room
        || rect.top < box.top + margin - room || rect.bottom > box.bottom - margin + room) return false;
    return covers.every(function (cover) {
      return Math.min(rect.right, cover.right) <= Math.max(rect.left, cover.left)
        || Math.min(rect.bottom, cover.bottom) <= Math.max(rect.top, cover.top);
    });
  });
}

function moveTo(view, instant, highlight) {
  state.view = view;
  state.viewHighlight = highlight || [];
  const target = view.bounds ? fittedView(view, padding()) : centredView(view);
  if (instant || reducedMotion) state.map.setView(target.center, target.zoom, { animate: false });
  else state.map.flyTo(target.center, target.zoom, { duration: FLY_SECONDS });
}

// After the map's size or what covers it changed (a resize, a turned phone, the legend opened or
// folded, a notice shown or dismissed): the story's view again, placed for what is now visible.
// Explore mode leaves the map to the reader.
function refit(instant) {
  if (state.view && state.mode !== "explore") moveTo(state.view, instant, state.viewHighlight);
}
