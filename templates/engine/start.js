/* storymap engine — start: called once by the page with the Leaflet map folium created. */

function start(map) {
  if (state.map) throw new Error("storymap: already started");
  const data = JSON.parse(document.getElementById("sm-data").textContent);
  state.data = data;
  state.map = map;
  data.layers.forEach(function (layerDef, index) { state.layers[layerDef.id] = buildLayer(layerDef, index); });
  Object.freeze(state.layers);
  state.sections = data.chapters.map(function (chapter) { return document.getElementById(chapter.id); });
  watchBasemap();
  watchOverlays();

  const requested = new URLSearchParams(location.search).get("lang");
  setLanguage(requested && data.languages.indexOf(requested) !== -1 ? requested : data.languages[0]);
  document.querySelectorAll("[data-sm-set-lang]").forEach(function (button) {
    button.addEventListener("click", function () { setLanguage(button.getAttribute("data-sm-set-lang")); });
  });

  // Before the first chapter: the story's own view with every layer, as an overview.
  showOnly(data.layers.map(function (layerDef) { return layerDef.id; }));
  moveTo(data.view, true);

  scroller = createScroller({
    steps: state.sections,
    line: readingLine,
    enabled: function () { return state.mode === "story"; },
    onStep: function (index) { activate(index, false); },
  });
  const linked = indexOf(decodeURIComponent(location.hash.slice(1)));
  if (linked !== -1) goTo(data.chapters[linked].id, { instant: true });
  window.addEventListener("hashchange", function () {
    const index = indexOf(decodeURIComponent(location.hash.slice(1)));
    if (index !== -1 && index !== state.active) goTo(data.chapters[index].id);
  });
  openSourcesForPrint();
  performance.mark("storymap:ready"); // for benchmarks: when the map and layers are usable
  emit("storymap:ready");
}
