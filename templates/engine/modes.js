/* storymap engine — modes: the page is in one of three modes at a time. "story": the reader
 * scrolls the chapters and the scroller follows; "explore": the story text gives way to explore.js's
 * panel and the wheel zooms the map; "present": one chapter per screen (present.js). The mode
 * scripts switch through setMode and react to storymap:mode, so no two can be on at once. */

const MODES = ["story", "explore", "present"];

function setMode(mode) {
  if (MODES.indexOf(mode) === -1) throw new Error("storymap: no mode " + JSON.stringify(mode));
  const previous = state.mode;
  if (mode === previous) return;
  state.mode = mode;
  const root = document.documentElement;
  root.classList.toggle("sm-exploring", mode === "explore");
  root.classList.toggle("sm-presenting", mode === "present");
  document.getElementById("sm-story").hidden = mode === "explore";
  if (mode === "explore") state.map.scrollWheelZoom.enable();
  else state.map.scrollWheelZoom.disable(); // in the story the wheel scrolls the text
  state.map.invalidateSize();
  emit("storymap:mode", { mode: mode, previous: previous });
}
