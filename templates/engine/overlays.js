/* storymap engine — overlays: what sits over the map's corner besides Leaflet's controls, the
 * legend (folded on small screens, open on wide ones, as storymap.css decides before this runs)
 * and the notices; and the camera following whatever changes what the reader sees of the map. */

function legendToggle() {
  return document.querySelector(".sm-legend-toggle");
}

// aria-expanded says what the stylesheet shows: the reader's choice, or the screen size's default.
function syncLegend() {
  const toggle = legendToggle();
  if (!toggle) return;
  const list = document.getElementById(toggle.getAttribute("aria-controls"));
  toggle.setAttribute("aria-expanded", String(getComputedStyle(list).display !== "none"));
}

function setLegendOpen(open) {
  document.getElementById("sm-legend").setAttribute("data-sm-open", String(open));
  syncLegend();
  refit(false);
}

function watchOverlays() {
  const toggle = legendToggle();
  if (toggle) {
    toggle.addEventListener("click", function () {
      setLegendOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
  }
  syncLegend();
  whenIdle(measureAllLabels);
  document.querySelectorAll("[data-sm-dismiss]").forEach(function (button) {
    button.addEventListener("click", dismissNotice);
  });
  // A resize or a turned phone changes the map's size and may fold or open the legend.
  let pending = 0;
  state.map.on("resize", function () {
    syncLegend();
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () { refit(true); });
  });
}

function dismissNotice() {
  state.noticeDismissed = true;
  offlineNotice(state.offline);
  const toggle = legendToggle(); // the button that had focus is gone: the nearest control takes it
  if (toggle) toggle.focus({ preventScroll: true });
}
