/* storymap engine — core: the state every other part reads and writes, and the few constants.
 *
 * The engine turns the story's embedded JSON and the page's chapter sections into a
 * scroll-driven map. It never names a chapter, a layer or a feature: everything comes from the
 * data. Its parts (this folder) are concatenated, in the order render.ENGINE_PARTS lists them,
 * into one function scope: like the files of one module, they share their top-level names.
 * The public API is built last (api.js): window.storymap, see docs/js-api.md. */

const FADE_MS = cssMilliseconds("--sm-layer-fade"); // a layer's fade: storymap.css's, which its transition takes
const FLY_SECONDS = 1.2;
const IDLE_TIMEOUT_MS = 2000; // work left for an idle moment is done by then at the latest
const STEP_BUDGET_MS = 16; // a task of the start takes further steps until it has run this long
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

// Private: the public API reads it through getters, so no caller can put the page out of step.
const state = {
  data: null, // the story as embedded in the page (sm-data)
  map: null,
  basemap: null,
  layers: {}, // layer id -> its Leaflet layer (SlicedGeoJSON), once built (layers.js, layerGroup)
  features: {}, // feature id -> the Leaflet layer of that one feature, once its layer is built
  layerOf: {}, // feature id -> its layer's definition (from the data, before any layer is built)
  stylesOf: {}, // feature id -> its styles: its class's (layer.classes), or its layer's
  sections: [], // the chapters' elements, in reading order
  chapters: [], // [{id, title}] in the current language
  active: -1, // index of the active chapter; -1 before the first
  mapFrom: null, // id of the chapter whose map is shown; null: the overview
  language: document.documentElement.lang,
  year: null,
  offline: false,
  noticeDismissed: false, // the reader closed the offline notice: it stays closed for the visit
  view: null, // the view the camera last moved to, placed again when what covers the map changes
  mode: "story",
  highlighted: [], // feature ids
  viewHighlight: [], // the feature ids the view on screen was placed to show (camera.js)
  dimmedLayers: new Set(), // layers whose other features step back for a highlight
};

// A duration the style sheet sets once on :root ("0.4s", "180ms"), in milliseconds.
function cssMilliseconds(name) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return parseFloat(value) * (/ms$/.test(value) ? 1 : 1000) || 0;
}

function replaceUrl(url) {
  // A page shown inline in a notebook (an iframe's srcdoc, at about:srcdoc) cannot change its URL:
  // the chapter and language still change, only the address does not follow.
  try {
    history.replaceState(null, "", url);
  } catch (error) {
    if (error.name !== "SecurityError") throw error;
  }
}

// The page's start is cut into tasks so that none blocks the page for long (a long task delays the
// first paint and the reader's first input). nextTask runs `fn` in a task of its own, after what the
// browser has queued (a message, unlike setTimeout(0), is not held back 4 ms once nested); whenIdle
// runs it when the browser has nothing else to do, or after IDLE_TIMEOUT_MS at the latest.
const tasks = [];
const channel = new MessageChannel();
channel.port1.onmessage = function () { tasks.shift()(); };

function nextTask(fn) {
  tasks.push(fn);
  channel.port2.postMessage(null);
}

// The steps that draw the layers a reader waits for (the first view's, a chapter's): before other
// work where the browser can say so (scheduler.postTask) — the first view's before the parser's
// next piece of the page, so that its layers are drawn while the chapters are still arriving.
function firstTask(fn) {
  if (window.scheduler && scheduler.postTask) scheduler.postTask(fn, { priority: "user-blocking" });
  else nextTask(fn);
}

function whenIdle(fn) {
  if (window.requestIdleCallback) requestIdleCallback(function () { fn(); }, { timeout: IDLE_TIMEOUT_MS });
  else setTimeout(fn, IDLE_TIMEOUT_MS / 10);
}

function emit(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail: detail }));
}
