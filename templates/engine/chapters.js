/* storymap engine — chapters: making a chapter active (its layers, year, highlight and view,
 * the header's progress, the announcement, the URL) or, above the first chapter, the story's
 * overview: every layer at the story's own view. An interlude (chapter.keeps_map) leaves the map
 * alone when the map on screen is the one it keeps (chapter.map_from; null: the overview), so a
 * reader's own panning stays; otherwise, after a jump, it shows that map (its resolved view,
 * layers, highlight and year, which the data carries). */

function progress() {
  const total = state.data.chapters.length;
  const n = state.active + 1;
  document.getElementById("sm-progress-bar").style.width = (100 * n / total) + "%";
  const template = state.data.ui[state.language].progress;
  document.getElementById("sm-progress-text").textContent =
    n > 0 ? template.replace("{n}", n).replace("{total}", total) : "";
}

function announce(index) {
  // Screen readers hear the chapter's title and what the map now shows; nothing above the first.
  let text = "";
  if (index >= 0) {
    const article = state.sections[index].querySelector("article[lang='" + state.language + "']");
    const description = article.querySelector("[data-sm-description]");
    text = article.querySelector("h2").textContent + ". " + (description ? description.textContent : "");
  }
  document.getElementById("sm-announce").textContent = text;
}

function markSections(index) {
  state.sections.forEach(function (section, i) {
    section.classList.toggle("is-active", i === index);
    if (i === index) section.setAttribute("aria-current", "step");
    else section.removeAttribute("aria-current");
  });
}

// The map moves before the layers change: a layer joining the map is drawn once, at the new view,
// and the move's own layout (Leaflet reads it) finds little of the page changed. The legend is set
// first, as the camera keeps clear of it.
function showOverview(instant) {
  const all = state.data.layers.map(function (layerDef) { return layerDef.id; });
  showLegend(all);
  moveTo(state.data.view, instant);
  showOnly(all, null, undefined, instant);
  setYear(null);
  setHighlight([]);
}

// The camera keeps in sight only the highlighted features the chapter's year shows.
function showChapter(chapter, instant) {
  showLegend(chapter.layers);
  moveTo(chapter.view, instant, chapter.highlight.filter(function (id) { return shownIn(id, chapter.year); }));
  showOnly(chapter.layers, chapter.opacity, undefined, instant);
  setYear(chapter.year);
  setHighlight(chapter.highlight); // after the move: a label takes its side from where the map now looks
}

// The address follows the active chapter when the browser is next idle: history.replaceState
// costs Chromium more than anything else in a chapter switch (5-20 ms on our benchmark machine),
// and a reader running through several chapters needs only the last one written.
let pendingHash = null;

function setHash(id) {
  const first = pendingHash === null;
  pendingHash = id === null ? "" : "#" + id;
  // An address that names no chapter (explore's state, after leaving explore) changes at once.
  const named = decodeURIComponent(location.hash.slice(1));
  if (named && indexOf(named) === -1) writeHash();
  else if (first) whenIdle(writeHash);
}

function writeHash() {
  const hash = pendingHash;
  if (hash === null) return; // written already
  pendingHash = null;
  // Explore mode keeps its own state in the hash (explore.js). replaceState: the back button is
  // not filled with chapters.
  if (state.mode !== "explore" && location.hash !== hash) replaceUrl(location.pathname + location.search + hash);
}

// index -1 is the overview above the first chapter. `force` re-applies the active chapter.
function activate(index, instant, force) {
  if (index === state.active && !force) return;
  const chapters = state.data.chapters;
  const previous = state.active >= 0 ? chapters[state.active].id : null;
  const chapter = index >= 0 ? chapters[index] : null;
  const mapFrom = chapter ? (chapter.keeps_map ? chapter.map_from : chapter.id) : null;
  // Re-applying the chapter on screen (a change of mode) tells a screen reader nothing new.
  const moved = index !== state.active;
  state.active = index;
  const keep = Boolean(chapter && chapter.keeps_map && mapFrom === state.mapFrom && !force);
  state.mapFrom = mapFrom; // before the camera moves: it keeps clear of that chapter's card
  if (!keep && chapter) showChapter(chapter, instant);
  else if (!keep) showOverview(instant);
  // The page's own changes after the map's: the camera and Leaflet read the layout, and each read
  // after a change to the page lays it out again.
  markSections(index);
  progress();
  if (moved) announce(index);
  setHash(chapter ? chapter.id : null);
  emit("storymap:chapter", { id: chapter ? chapter.id : null, index: index, previous: previous });
}

function indexOf(id) {
  return state.data.chapters.findIndex(function (chapter) { return chapter.id === id; });
}

function goTo(id, options) {
  const index = indexOf(id);
  if (index === -1) throw new Error("storymap: no chapter " + JSON.stringify(id));
  const instant = Boolean(options && options.instant);
  // The page is on its way to the chapter: the scroller waits until it comes to rest instead of
  // activating each chapter the scroll passes.
  scroller.hold();
  state.sections[index].scrollIntoView({ block: "start", behavior: instant || reducedMotion ? "auto" : "smooth" });
  activate(index, instant, Boolean(options && options.force));
}
