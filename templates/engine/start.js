/* storymap engine — start: called once by the page with the Leaflet map folium creates.
 *
 * The start does only what the reader's first view needs, and no long task. The page calls start()
 * from a script after its first chapter, before the others: the map is created there and the first
 * view's layers are built and drawn in short steps, a few per task, while the browser goes on
 * reading the rest of the page; the basemap joins once they are drawn. The engine wires what
 * needs the whole page (the chapters, the scroller, the language, the address) once it is parsed,
 * and what no one can see yet (layers shown later, when the page opened at a chapter) waits until
 * the browser is idle — or until a chapter, explore mode or the API asks for it first. */

let starting = false; // start() was called; the engine begins once the page is parsed
let ready = false; // the engine has begun: storymap:ready
let basemapToAdd = null; // the page's function that adds the basemap, until the first view is drawn

// `map`: the Leaflet map, or the page's function that creates it (and returns it), called at once:
// before most of the page is parsed, the layout Leaflet reads as it measures the map is that of
// the header, the map, the intro and the first chapter alone. The engine begins once the page is parsed (at once, in a
// task, if it is already); until then `storymap.map` is null, and the engine announces itself
// with `storymap:ready`. `basemap`, if given: the page's function that adds the basemap to the
// map, called in a task of its own once the first view's layers are drawn.
function start(map, basemap) {
  if (state.map || starting) throw new Error("storymap: already started");
  starting = true;
  basemapToAdd = basemap || null;
  if (typeof map !== "function") watchBasemap(map);
  const linked = firstView(typeof map === "function" ? map() : map);
  const go = function () { begin(linked); };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
  else nextTask(go);
}

// The data, the map and the story's overview, from what is parsed so far: the header, the map's
// panel with its legend, the intro and the first chapter. Returns the index of the chapter the address names (-1:
// none), whose view waits for its section.
function firstView(map) {
  const data = JSON.parse(document.getElementById("sm-data").textContent);
  data.layers.forEach(decodeLayer);
  state.data = data;
  state.map = map;
  data.layers.forEach(function (layerDef) {
    layerDef.data.features.forEach(function (feature) { state.layerOf[feature.id] = layerDef; });
  });
  const requested = new URLSearchParams(location.search).get("lang");
  state.language = requested && data.languages.indexOf(requested) !== -1 ? requested : data.languages[0];
  showLanguage(); // the legend in the reader's language, and folded or not, before the camera measures it
  watchOverlays();
  const linked = indexOf(decodeURIComponent(location.hash.slice(1)));
  if (linked === -1) {
    // Before the first chapter: the story's own view with every layer, as an overview.
    moveTo(data.view, true);
    showOnly(data.layers.map(function (layerDef) { return layerDef.id; }), null, firstViewShown);
  }
  return linked;
}

function begin(linked) {
  const data = state.data;
  state.sections = data.chapters.map(function (chapter) { return document.getElementById(chapter.id); });
  watchCovers();
  setLanguage(state.language); // the whole page now
  document.querySelectorAll("[data-sm-set-lang]").forEach(function (button) {
    button.addEventListener("click", function () { setLanguage(button.getAttribute("data-sm-set-lang")); });
  });

  scroller = createScroller({
    steps: state.sections,
    line: readingLine,
    enabled: function () { return state.mode === "story"; },
    active: function () { return state.active; },
    onStep: function (index) { activate(index, false); },
  });
  if (linked !== -1) {
    goTo(data.chapters[linked].id, { instant: true });
    firstViewShown();
  }
  window.addEventListener("hashchange", function () {
    const index = indexOf(decodeURIComponent(location.hash.slice(1)));
    if (index !== -1 && index !== state.active) goTo(data.chapters[index].id);
  });
  openSourcesForPrint();
  whenIdle(buildRemainingLayers);
  ready = true;
  performance.mark("storymap:ready"); // for benchmarks: when the map and the API are usable
  emit("storymap:ready");
}

function firstViewShown() {
  performance.mark("storymap:first-view"); // for benchmarks: the first view's layers are on the map
  // The basemap comes after the story's own layers: creating the tile layer and handling its
  // tiles took two thirds of the map's task, and the layers are what the story shows.
  const add = basemapToAdd;
  basemapToAdd = null;
  if (!add) overlaysShown();
  else nextTask(function () { add(state.map); watchBasemap(state.map); overlaysShown(); emit("storymap:basemap"); });
}

// The legend grows while the page loads and the engine starts, and the attribution when the
// basemap joins; anchored at the map's bottom, they would move while the reader looks: they
// show, whole, with the first view and its basemap (storymap.css).
function overlaysShown() {
  document.documentElement.classList.add("sm-first-view");
}

// One layer per idle moment, so that a later chapter finds its layers built.
function buildRemainingLayers() {
  const next = state.data.layers.find(function (layerDef) { return !state.layers[layerDef.id]; });
  if (!next) return;
  layerGroup(next.id);
  whenIdle(buildRemainingLayers);
}
