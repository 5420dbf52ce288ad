/* storymap engine — page: the reader's language, the basemap's offline notice, and sources
 * opened for print. */

function setLanguage(lang) {
  if (state.data.languages.indexOf(lang) === -1) return;
  state.language = lang;
  showLanguage();
  document.querySelectorAll("[data-sm-set-lang]").forEach(function (button) {
    button.setAttribute("aria-pressed", String(button.getAttribute("data-sm-set-lang") === lang));
  });
  state.chapters = Object.freeze(state.data.chapters.map(function (c) {
    return Object.freeze({ id: c.id, title: localised(c.title) });
  }));
  offlineNotice(state.offline);
  progress();
  if (state.highlighted.length) setHighlight(state.highlighted); // relabel highlighted features
  const url = new URL(location.href);
  if (lang === state.data.languages[0]) url.searchParams.delete("lang");
  else url.searchParams.set("lang", lang);
  replaceUrl(url.pathname + url.search + url.hash);
}

// Every text of the page parsed so far in the reader's language only.
function showLanguage() {
  const lang = state.language;
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-sm-lang]").forEach(function (node) {
    const other = node.getAttribute("data-sm-lang") !== lang;
    if (node instanceof SVGElement) node.setAttribute("display", other ? "none" : "inline"); // SVG has no `hidden`
    else node.hidden = other;
  });
}

function offlineNotice(show) {
  state.offline = Boolean(show);
  let changed = false;
  document.querySelectorAll("[data-sm-offline]").forEach(function (node) {
    const hidden = !show || state.noticeDismissed || node.getAttribute("data-sm-lang") !== state.language;
    changed = changed || node.hidden !== hidden;
    node.hidden = hidden;
  });
  if (changed) refit(true); // the notice sits over the map's corner: keep the view clear of it
}

function watchBasemap(map) {
  let loaded = 0;
  map.eachLayer(function (layer) {
    if (!(layer instanceof L.TileLayer)) return;
    state.basemap = layer;
    layer.on("tileload", function () { loaded += 1; offlineNotice(false); });
    layer.on("tileerror", function () { if (loaded === 0) offlineNotice(true); });
  });
}

function openSourcesForPrint() {
  // A printed page cannot be clicked: show every chapter's sources while printing.
  let opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details.sm-sources"), function (d) { return !d.open; });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () { opened.forEach(function (d) { d.open = false; }); });
}
