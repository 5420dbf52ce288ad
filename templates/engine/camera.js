/* storymap engine — camera: where the map looks. Fit margins and the largest fitted zoom come
 * from the model (data.camera, see storymap/styles.py), like the print figures'.
 *
 * A view is placed in the part of the map the reader actually sees: the map's box less what is
 * drawn over it at that moment — the header, Leaflet's controls, the legend and notices
 * ([data-sm-cover]), and a chapter's card over the map. Each of these is measured, not assumed, so
 * a phone's small map, a folded or open legend and a notice are all accounted for alike; and every
 * highlighted feature, with its label, is kept inside that part, also in a view set by centre and
 * zoom. The camera works in the map's own pixels (0, 0 at its top left corner).
 *
 * Measuring lays out the page, and a chapter switch would pay for it on every move: what covers
 * the map is measured once for each state of the legend (which lists the layers shown) and kept
 * until something changes it — refit() (a resize, a turned phone, the legend opened or folded, a
 * notice shown or dismissed), a change of mode, or the map, a cover, the text column or a card
 * changing size (a ResizeObserver tells, after the browser's own layout). A label's size is
 * measured once for each language. */

let covers = {}; // the legend's state -> what covers the map in it (measureCovers)
let labelSizes = {}; // language + " " + feature id -> [width, height, gap to its point] of its label
const ZOOM_OUT = 3; // levels the camera zooms out at most to make room for the labels
let labelArea = null; // the part of the map (its pixels) the view was placed in: where labels go (labelBoxes)

function forgetCovers() {
  covers = {};
}

// Everything drawn over the map, by its own element: the header, Leaflet's controls, the legend
// and the notices.
function coverNodes() {
  return [document.querySelector(".sm-bar")]
    .concat(Array.prototype.slice.call(state.map.getContainer().querySelectorAll(".leaflet-control")))
    .concat(Array.prototype.slice.call(document.querySelectorAll("[data-sm-cover]")))
    .filter(Boolean);
}

// Called once at the start. A legend's size follows the layers shown and is kept per state, so
// only the other elements are watched.
function watchCovers() {
  document.addEventListener("storymap:mode", forgetCovers);
  const watcher = new ResizeObserver(forgetCovers);
  coverNodes().filter(function (node) { return !node.querySelector("[data-sm-legend]"); })
    .concat(state.sections, [document.getElementById("sm-story"), state.map.getContainer()])
    .forEach(function (node) { watcher.observe(node); });
}

// What decides the legend's size besides the window: the language and the layers it lists.
function legendState() {
  const shown = Array.prototype.filter.call(document.querySelectorAll("[data-sm-legend]"), function (item) { return !item.hidden; })
    .map(function (item) { return item.getAttribute("data-sm-legend"); });
  return state.language + " " + shown.join(" ");
}

function currentCovers() {
  const key = legendState();
  if (!covers[key]) covers[key] = measureCovers();
  return covers[key];
}

// The map's size and the rects of what covers it, in the map's pixels; the cards' bands are added
// as the chapters ask (cardBand).
function measureCovers() {
  const box = state.map.getContainer().getBoundingClientRect();
  const inMap = function (rect) {
    return { left: rect.left - box.left, right: rect.right - box.left, top: rect.top - box.top, bottom: rect.bottom - box.top };
  };
  const rects = coverNodes().filter(function (node) { return node.getClientRects().length; })
    .map(function (node) { return inMap(node.getBoundingClientRect()); });
  return { width: box.width, height: box.height, rects: rects, bands: {}, inMap: inMap };
}

// The card of the chapter whose map is shown, where it is drawn over the map (chapter key
// `align`): it scrolls past, so it covers the full height of the map beside it. Where the map sits
// above the text (narrow screens) the cards pass beneath it, and a card in the text column
// (presentation mode, align left) does not reach it. The card measured is that of the chapter the
// map comes from, so an interlude shows the map exactly as that chapter placed it.
function cardBand(measured) {
  const key = state.mode + " " + state.mapFrom;
  if (!(key in measured.bands)) measured.bands[key] = measureCardBand(measured);
  return measured.bands[key];
}

function measureCardBand(measured) {
  const section = state.mapFrom === null ? null : document.getElementById(state.mapFrom);
  if (!section || state.mode === "explore") return null;
  const column = measured.inMap(document.getElementById("sm-story").getBoundingClientRect());
  if (column.right > 1) return null;
  const card = measured.inMap(section.getBoundingClientRect());
  if (Math.min(card.right, measured.width) <= Math.max(card.left, 0)) return null;
  return { left: card.left, right: card.right, top: 0, bottom: measured.height };
}

// The map's box and what covers it now, in the map's pixels.
function coverRects() {
  const measured = currentCovers();
  const band = cardBand(measured);
  return { width: measured.width, height: measured.height, rects: band ? measured.rects.concat([band]) : measured.rects };
}

// How far each cover reaches in from the map's edge: it is kept clear on the side where that
// costs the least of the map's area (a legend in a corner takes a strip off the bottom or the left).
function coverInsets() {
  const seen = coverRects(), width = seen.width, height = seen.height;
  const inset = { top: 0, right: 0, bottom: 0, left: 0 };
  seen.rects.forEach(function (rect) {
    const left = Math.max(rect.left, 0), right = Math.min(rect.right, width);
    const top = Math.max(rect.top, 0), bottom = Math.min(rect.bottom, height);
    if (right <= left || bottom <= top) return;
    const sides = [
      ["top", bottom, width], ["bottom", height - top, width],
      ["left", right, height], ["right", width - left, height],
    ];
    const best = sides.reduce(function (a, b) { return b[1] * b[2] < a[1] * a[2] ? b : a; });
    inset[best[0]] = Math.max(inset[best[0]], Math.ceil(best[1]));
  });
  return keepSomeMap(inset, width, height);
}

// Covers on both sides may together leave almost nothing; keep at least a third of each dimension.
function keepSomeMap(inset, width, height) {
  [["left", "right", width], ["top", "bottom", height]].forEach(function (axis) {
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

// ---- the highlighted features and their labels ---------------------------------------------

function labelKey(id) {
  return state.language + " " + id;
}

// Each label's size, measured once per language: built as Label draws it (the same classes and
// text) in the map's label pane, out of sight, and read all together — one layout for all. The
// sizes of `ids`.
function measureLabels(ids) {
  const todo = ids.filter(function (id) { return !labelSizes[labelKey(id)]; });
  const pane = state.map.getPane("tooltipPane");
  const nodes = todo.map(function (id) {
    const node = L.DomUtil.create("div", "leaflet-tooltip " + LABEL_CLASS + " leaflet-tooltip-right", pane);
    node.style.visibility = "hidden";
    node.appendChild(labelContent(featureData(id)));
    return node;
  });
  nodes.forEach(function (node, i) {
    const gap = Math.abs(parseFloat(getComputedStyle(node).marginLeft)) || 0; // Leaflet's room for the arrow
    labelSizes[labelKey(todo[i])] = [node.offsetWidth, node.offsetHeight, gap];
  });
  nodes.forEach(function (node) { node.remove(); });
  return ids.map(function (id) { return labelSizes[labelKey(id)]; });
}

// Every chapter's labels, measured when the browser is idle, so that no chapter switch has to.
function measureAllLabels() {
  const ids = [];
  state.data.chapters.forEach(function (chapter) { ids.push.apply(ids, chapter.highlight); });
  measureLabels(ids.filter(function (id) { return state.layerOf[id]; }));
}

// Where Leaflet opens a layer's label (DivOverlay._prepareOpen): a shape's centre, a dot's point.
// Computed as Leaflet's getCenter does, which only a layer on
// the map may call: the camera places a view before the chapter's layers join the map.
function labelAnchor(layer) {
  const crs = state.map.options.crs;
  if (layer instanceof L.Polygon) return L.PolyUtil.polygonCenter(layer._defaultShape(), crs);
  if (layer instanceof L.Polyline) return L.LineUtil.polylineCenter(layer._defaultShape(), crs);
  return layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
}

// The part of the map `pad` leaves free on a map whose middle is at `centre` (in any frame of
// pixels), `spare` pixels larger on each side.
function paddedArea(centre, pad, spare) {
  const size = state.map.getSize();
  return {
    left: centre.x - size.x / 2 + pad.topLeft[0] - spare, right: centre.x + size.x / 2 - pad.bottomRight[0] + spare,
    top: centre.y - size.y / 2 + pad.topLeft[1] - spare, bottom: centre.y + size.y / 2 - pad.bottomRight[1] + spare,
  };
}

// The part of the map `pad` leaves free, without the fit margin (map pixels): what covers the map
// is all a label has to keep clear of.
function areaOf(pad) {
  return paddedArea(state.map.getSize().divideBy(2), pad, state.data.camera.fit_margin);
}

// ---- the side of its point each label takes: one rule for the labels Label draws and for those
// the camera predicts, decided by the points' pixels, the labels' sizes and the part of the map the
// view was placed in (`area`, see areaOf) and what the reader sees of the map (`sight`, see
// sightAt) alone. Each label goes right, left, above or below its point; of all the ways to choose,
// the rule takes the one that, in this order of importance: hides the fewest labels (a label is
// hidden under a cover, past the map's edge or over a label before it: each is unreadable);
// reaches least far out of the area; covers the fewest other labelled points; and turns the fewest
// labels from their first choice, towards the middle of the area (so that a label next to a cover,
// an open legend, runs away from it), then away from it, above, below (between ways equal in all
// this, the first labels of the highlight have their choice). Label (placeLabels) leaves the hidden
// ones out. The ways are searched label by label, each first choice first, and a way that can no
// longer beat the best found is left early; many labels stop after a thousand choices other than a
// first one (four labels have 340 choices in all), at the best found so far: the camera asks the
// rule a few dozen times for one view.

// Leaflet's classes (leaflet-tooltip-right ...), each with where its label's box has the point, as
// a share of the box's width and height (the gap between them included).
const LABEL_SIDES = { right: [0, 0.5], left: [1, 0.5], top: [0.5, 1], bottom: [0.5, 0] };

// The labels' boxes, in the order of `points` (`area` and `sight` in the same frame of pixels),
// each `hidden` or not, and their cost (the first: how many are hidden).
function labelBoxes(points, sizes, area, sight) {
  const split = (area.left + area.right) / 2, boxes = [];
  let best = null, tries = 1000;
  const place = function (i, cost) {
    if (best && !lessThan(cost, best.cost)) return;
    if (i === points.length) { best = { cost: cost, boxes: boxes.slice() }; return; }
    (points[i].x < split ? ["right", "left", "top", "bottom"] : ["left", "right", "top", "bottom"]).forEach(function (side, choice) {
      if (choice && tries-- <= 0) return;
      const rect = labelRect(points[i], sizes[i], side);
      // Hidden: past the map's edge, or over a cover or a label before it that is not hidden itself.
      rect.hidden = !within(rect, sight.box) || sight.rects.concat(boxes.filter(function (box) { return box && !box.hidden; }))
        .some(function (other) { return overlaps(rect, other); });
      const next = [
        cost[0] + rect.hidden,
        Math.max(cost[1], beyond(rect, area)),
        cost[2] + points.filter(function (p, j) { return j !== i && overlaps(rect, { left: p.x, right: p.x, top: p.y, bottom: p.y }); }).length,
        cost[3] + choice,
      ];
      boxes[i] = rect;
      place(i + 1, next);
      boxes[i] = null;
    });
  };
  place(0, [0, 0, 0, 0]);
  return best;
}

// Whether the costs `a` are less than `b`, the first that differ deciding.
function lessThan(a, b) {
  const i = a.findIndex(function (value, j) { return value !== b[j]; });
  return i >= 0 && a[i] < b[i];
}

// The map's box and what covers it, in a frame of pixels where the map's top left corner is `origin`.
function sightAt(origin) {
  const seen = coverRects(), at = function (r) {
    return { left: r.left + origin.x, right: r.right + origin.x, top: r.top + origin.y, bottom: r.bottom + origin.y };
  };
  return { box: at({ left: 0, top: 0, right: seen.width, bottom: seen.height }), rects: seen.rects.map(at) };
}

// A label's box on `side` of its point (with Leaflet's gap between them); the CSS places it so.
function labelRect(point, size, side) {
  const at = LABEL_SIDES[side], across = at[1] === 0.5;
  const width = size[0] + (across ? size[2] : 0), height = size[1] + (across ? 0 : size[2]);
  const left = point.x - at[0] * width, top = point.y - at[1] * height;
  return { left: left, top: top, right: left + width, bottom: top + height, side: side };
}

// The features the view on screen keeps in sight, each with its label: the chapter's highlight,
// which a chapter switch draws only after the move (see showChapter), so the camera is told it
// rather than reading it (without a feature the chapter's year holds back, see showChapter).
function highlightItems() {
  const layers = state.viewHighlight.map(featureLayer); // built now if not yet (layers are built lazily)
  measureLabels(state.viewHighlight.filter(function (id, i) { return layers[i]; }));
  return state.viewHighlight.map(function (id, i) {
    const layer = layers[i];
    if (!layer) return null;
    const bounds = layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng(), layer.getLatLng()]);
    const label = { at: labelAnchor(layer), size: labelSizes[labelKey(id)] };
    return { bounds: bounds, label: label };
  }).filter(Boolean);
}

// ---- views ------------------------------------------------------------------------------------

// The zoom at which `bounds` fits inside the padded part of the map (never above `most`).
function zoomFor(bounds, pad, most) {
  const room = L.point(pad.topLeft[0] + pad.bottomRight[0], pad.topLeft[1] + pad.bottomRight[1]);
  return Math.min(state.map.getBoundsZoom(bounds, false, room), most);
}

// A fitted view: its bounds and every highlighted feature with its label, centred in what the
// reader sees. Labels keep their size in pixels while the shapes shrink, so where they do not fit
// a lower zoom is looked for, down to ZOOM_OUT levels: the first at which they fit, or else the
// one that leaves the least out. (A label's side changes with the zoom, so what is left out does not
// shrink steadily as the map zooms out.)
function fittedView(view, pad) {
  const items = highlightItems();
  const bounds = L.latLngBounds(view.bounds);
  items.forEach(function (item) { bounds.extend(item.bounds); });
  const labels = items.map(function (item) { return item.label; });
  const step = state.map.options.zoomSnap || 1;
  const most = zoomFor(bounds, pad, view.max_zoom || state.data.camera.fit_max_zoom);
  let best = placeAt(bounds, labels, most, pad);
  for (let zoom = most - step; best.over > 0 && zoom >= Math.max(state.map.getMinZoom(), most - ZOOM_OUT); zoom -= step) {
    const placed = placeAt(bounds, labels, zoom, pad);
    if (placed.over < best.over - 1) best = placed; // a lower zoom only where it gains room
  }
  return best;
}

// At `zoom`: the map's centre that puts the middle of `bounds` and the labels in the middle of the
// padded part of the map, and how far the farthest of them reaches out of it (a pixel's tolerance),
// or how deep two labels overlap. A label's side depends on where its point falls (labelBoxes), so
// the labels are placed for the centre found without them, then once more for the centre found with them.
function placeAt(bounds, labels, zoom, pad) {
  const map = state.map, size = map.getSize();
  const offset = L.point(pad.topLeft[0] - pad.bottomRight[0], pad.topLeft[1] - pad.bottomRight[1]).divideBy(2);
  const shapes = L.bounds(map.project(bounds.getSouthWest(), zoom), map.project(bounds.getNorthEast(), zoom));
  const points = labels.map(function (label) { return map.project(label.at, zoom); });
  const sizes = labels.map(function (label) { return label.size; });
  // A label needs no margin of its own: it only has to be clear of what covers the map.
  const margin = state.data.camera.fit_margin;
  const boxes = function (centre) { return labelBoxes(points, sizes, paddedArea(centre, pad, margin), sightAt(centre.subtract(size.divideBy(2)))); };
  // The centre found without the labels, then twice with them (each time for where they took their
  // sides); of these, the last that hides the fewest labels.
  let centre = shapes.getCenter().subtract(offset), placed = null;
  for (let pass = 0; pass < 3; pass += 1) {
    const found = boxes(centre), content = L.bounds(shapes.min, shapes.max);
    found.centre = centre;
    if (!placed || found.cost[0] <= placed.cost[0]) placed = found;
    found.boxes.forEach(function (r) { content.extend(L.point(r.left, r.top)).extend(L.point(r.right, r.bottom)); });
    centre = keepShapes(content.getCenter().subtract(offset), shapes, size, pad);
  }
  centre = placed.centre;
  // How far out, with a pixel's tolerance. A view that hides labels (overlapped, or out of sight)
  // is measured by how many it hides alone, as farther out than any view reaches: a lower zoom is
  // taken only where it hides fewer (zooming out further, the places shrink for no label gained).
  const over = placed.cost[0] ? placed.cost[0] * 1e5 : placed.boxes.reduce(function (most, r) { return Math.max(most, beyond(r, paddedArea(centre, pad, margin + 1))); },
    beyond({ left: shapes.min.x, right: shapes.max.x, top: shapes.min.y, bottom: shapes.max.y }, paddedArea(centre, pad, 1)));
  return { center: map.unproject(centre, zoom), zoom: zoom, over: over };
}

// The centre nearest `centre` at which the shapes stay inside the padded part of the map: where
// not every label can be shown, the features themselves still are.
function keepShapes(centre, shapes, size, pad) {
  const clamp = function (value, low, high) { return low > high ? (low + high) / 2 : Math.min(Math.max(value, low), high); };
  return L.point(
    clamp(centre.x, shapes.max.x - size.x / 2 + pad.bottomRight[0], shapes.min.x + size.x / 2 - pad.topLeft[0]),
    clamp(centre.y, shapes.max.y - size.y / 2 + pad.bottomRight[1], shapes.min.y + size.y / 2 - pad.topLeft[1]));
}

// How far `rect` reaches out of `room`, in pixels (0: inside).
function beyond(rect, room) {
  return Math.max(0, room.left - rect.left, rect.right - room.right, room.top - rect.top, rect.bottom - room.bottom);
}

function within(rect, room) {
  return beyond(rect, room) === 0;
}

function overlaps(a, b) {
  return Math.min(a.right, b.right) > Math.max(a.left, b.left) && Math.min(a.bottom, b.bottom) > Math.max(a.top, b.top);
}

// A view by centre and zoom: the author's centre stays the map's, and where a highlighted feature
// or its label would lie outside the map or under something drawn over it (a phone shows less),
// the zoom is lowered step by step until every one is clear. Where all are, the author's view is
// kept as set. Where no zoom clears them (a cover over the map's middle, like an open legend on a
// small map), the centre and the features are fitted into the part of the map nothing covers.
function centredView(view, pad) {
  const centre = L.latLng(view.center);
  const items = highlightItems();
  let zoom = view.zoom;
  const step = state.map.options.zoomSnap || 1;
  const lowest = Math.max(state.map.getMinZoom(), view.zoom - ZOOM_OUT);
  const area = areaOf(pad);
  if (!items.length) return { center: centre, zoom: zoom };
  const seen = coverRects();
  while (zoom - step >= lowest && !clearAt(items, centre, zoom, seen, area)) zoom -= step;
  if (clearAt(items, centre, zoom, seen, area)) return { center: centre, zoom: zoom };
  return fittedView({ bounds: L.latLngBounds([centre, centre]), max_zoom: view.zoom }, pad);
}

// Whether every highlighted feature and its label, on a map centred on `centre` at `zoom`, lie
// inside the map less the fit margin and touch no cover (with a marker's room around a feature),
// and no two labels overlap.
function clearAt(items, centre, zoom, seen, area) {
  const map = state.map, margin = state.data.camera.fit_margin, room = margin / 3;
  const origin = map.project(centre, zoom).subtract([seen.width / 2, seen.height / 2]);
  const at = function (latlng) { return map.project(latlng, zoom).subtract(origin); };
  const inside = { left: margin - room, top: margin - room, right: seen.width - margin + room, bottom: seen.height - margin + room };
  const clear = function (rect) { return seen.rects.every(function (cover) { return !overlaps(rect, cover); }); };
  // A label needs no margin of its own: inside the map and clear of what covers it.
  return !labelBoxes(items.map(function (item) { return at(item.label.at); }),
    items.map(function (item) { return item.label.size; }), area, sightAt(L.point(0, 0))).cost[0] && items.every(function (item) {
    const sw = at(item.bounds.getSouthWest()), ne = at(item.bounds.getNorthEast());
    const shape = { left: sw.x - room, right: ne.x + room, top: ne.y - room, bottom: sw.y + room };
    return within(shape, inside) && clear(shape);
  });
}

function moveTo(view, instant, highlight) {
  state.view = view;
  state.viewHighlight = highlight || [];
  const pad = padding();
  const target = view.bounds ? fittedView(view, pad) : centredView(view, pad);
  labelArea = areaOf(pad); // where the labels were placed: Label places them there too
  if (instant || reducedMotion) state.map.setView(target.center, target.zoom, { animate: false });
  else state.map.flyTo(target.center, target.zoom, { duration: FLY_SECONDS });
}

// After the map's size or what covers it changed (a resize, a turned phone, the legend opened or
// folded, a notice shown or dismissed): the story's view again, placed for what is now visible
// (measured again, labels too: a window's size may change the text's). Explore mode leaves the
// map to the reader.
function refit(instant) {
  forgetCovers();
  labelSizes = {};
  if (state.view && state.mode !== "explore") moveTo(state.view, instant, state.viewHighlight);
}
