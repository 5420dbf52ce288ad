/* storymap engine — camera: where the map looks. Fit margins and the largest fitted zoom come
 * from the model (data.camera, see storymap/styles.py), like the print figures'. */

// The width of the map's right side that the active chapter's card covers (align: right), else 0.
function cardCover() {
  const section = state.sections[state.active];
  if (!section || section.getAttribute("data-sm-align") !== "right") return 0;
  const card = section.getBoundingClientRect();
  const box = state.map.getContainer().getBoundingClientRect();
  const column = document.getElementById("sm-story").getBoundingClientRect();
  // Where the map sits above the text (narrow screens), or the card stays in its column
  // (presentation mode), it covers nothing.
  if (column.right > box.left + 1 || card.left <= box.left) return 0;
  return Math.round(Math.max(box.right - card.left, 0));
}

function padding() {
  // Fitted views keep clear of the legend, which sits over the map's lower left corner, and of a
  // card over the map's right side.
  const margin = state.data.camera.fit_margin;
  const legend = document.getElementById("sm-legend");
  const below = legend && legend.offsetParent ? legend.offsetHeight : 0;
  return { topLeft: [margin, margin], bottomRight: [margin + cardCover(), margin + below] };
}

function moveTo(view, instant) {
  const animate = !(instant || reducedMotion);
  const map = state.map;
  if (view.bounds) {
    const pad = padding();
    const options = {
      paddingTopLeft: pad.topLeft, paddingBottomRight: pad.bottomRight,
      maxZoom: view.max_zoom || state.data.camera.fit_max_zoom,
    };
    if (animate) map.flyToBounds(view.bounds, Object.assign({ duration: FLY_SECONDS }, options));
    else map.fitBounds(view.bounds, Object.assign({ animate: false }, options));
  } else if (animate) {
    map.flyTo(view.center, view.zoom, { duration: FLY_SECONDS });
  } else {
    map.setView(view.center, view.zoom, { animate: false });
  }
}
