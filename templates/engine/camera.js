/* storymap engine — camera: where the map looks. Fit margins and the largest fitted zoom come
 * from the model (data.camera, see storymap/styles.py), like the print figures'. */

function padding() {
  // Fitted views keep clear of the legend, which sits over the map's lower left corner.
  const margin = state.data.camera.fit_margin;
  const legend = document.getElementById("sm-legend");
  const below = legend && legend.offsetParent ? legend.offsetHeight : 0;
  return { topLeft: [margin, margin], bottomRight: [margin, margin + below] };
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
