/* storymap engine — start: called once by the page with the Leaflet map folium creates.
 *
 * The start does only what the reader's first view needs, and no long task: the story's text is
 * painted first, the map is created in a task of its own, the engine wires the page and answers
 * the API in the next one, the first view's layers are built and drawn in short steps, a few per
 * task, then the basemap joins, and what no one can see yet (layers shown later, when the page
 * opened at a chapter) waits until the browser is idle — or until a chapter, explore mode or the
 * API asks for it first. */

let starting = false; // start() was called; the engine begins in a later task
let basemapToAdd = null; // the page's function that adds the basemap, until the first view is drawn

// `map`: the Leaflet map, or the page's function that creates it (and returns it). The function
// runs after the next frame is painted: creating the map lays out the page (Leaflet measures the
// map), and that layout is then the frame's, done once, instead of one more piece of a long task.
// The engine begins in the task after the map's; until then `storymap.map` is null, and the
// engine announces itself with `storymap:ready`. `basemap`, if given: the page's function that
// adds the basemap to the map, called in a task of its own once the first view's layers are drawn.
function start(map, basemap) {
  if (state.map || starting) throw new Error("storymap: already started");
  starting = true;
  basemapToAdd = basemap || null;
  if (typeof map !== "function") {
    watchBasemap(map);
    begin(map);
    return;
  }
  afterPaint(function () {
    const created = map();
    nextTask(function () { begin(created); });
  });
}

// `fn` in a task after the next frame; at once (in a task) for a hidden page, which paints no frame.
function afterPaint(fn) {
  if (document.hidden) nextTask(fn);
  else requestAnimationFrame(function () { nextTask(fn); });
}

function begin(map) {
  const data = JSON.parse(document.getElementById("sm-data").textContent);
  data.layers.forEach(decodeLayer);
  state.data = data;
  state.map = map;
  data.layers.forEach(function (layerDef) {
    layerDef.data.features.forEach(function (feature) { state.layerOf[feature.id] = layerDef; });
  });
  state.sections = data.chapters.map(function (chapter) { return document.getElementById(chapter.id); });
  watchOverlays();

  const requested = new URLSearchParams(location.search).get("lang");
  setLanguage(requested && data.languages.indexOf(requested) !== -1 ? requested : data.languages[0]);
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
  const linked = indexOf(decodeURIComponent(location.hash.slice(1)));
  if (linked !== -1) {
    goTo(data.chapters[linked].id, { instant: true });
    firstViewShown();
  } else {
    // Before the first chapter: the story's own view with every layer, as an overview.
    moveTo(data.view, true);
    showOnly(data.layers.map(function (layerDef) { return layerDef.id; }), null, firstViewShown);
  }
  window.addEventListener("hashchange", function () {
    const index = indexOf(decodeURIComponent(location.hash.slice(1)));
    if (index !== -1 && index !== state.active) goTo(data.chapters[index].id);
  });
  openSourcesForPrint();
  whenIdle(buildRemainingLayers);
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
