/* storymap engine — the public API, window.storymap (docs/js-api.md). Declared here in full:
 * state is read through getters, and the object is frozen, so nothing is added to it later.
 * The mode scripts (explore.js, present.js) fill in their declared members with provide(). */

const provided = { explore: {}, present: {} };

// A mode's members: `active`, and methods that call what its script provided.
function modeMembers(mode, methods) {
  const members = { get active() { return state.mode === mode; } };
  methods.forEach(function (method) {
    members[method] = function () {
      const implementation = provided[mode][method];
      if (!implementation) throw new Error("storymap: " + mode + "." + method + " is not on this page");
      return implementation.apply(null, arguments);
    };
  });
  return Object.freeze(members);
}

function provide(mode, implementations) {
  if (!provided[mode]) throw new Error("storymap: no mode script " + JSON.stringify(mode));
  Object.keys(implementations).forEach(function (method) {
    if (typeof api[mode][method] !== "function") throw new Error("storymap: " + mode + " has no member " + method);
    provided[mode][method] = implementations[method];
  });
}

const api = Object.freeze({
  get map() { return ready ? state.map : null; },
  get layers() { return allLayers(); },
  get chapters() { return state.chapters; },
  get active() { return state.active >= 0 ? state.data.chapters[state.active].id : null; },
  get language() { return state.language; },
  get year() { return state.year; },
  get offline() { return state.offline; },
  get mode() { return state.mode; },
  get data() { return state.data; },
  get basemap() { return state.basemap; },
  start: start,
  goTo: goTo,
  sync: function () { if (scroller) scroller.sync(); },
  visibleLayers: visibleLayers,
  visibleFeatures: visibleFeatures,
  showLayers: showOnly,
  highlight: function (ids) { setHighlight(ids || []); },
  feature: featureLayer,
  layerOf: function (id) { return state.layerOf[id]; },
  setYear: setYear,
  setLanguage: setLanguage,
  setMode: setMode,
  padding: padding,
  text: localised,
  property: property,
  provide: provide,
  explore: modeMembers("explore", ["enter", "leave", "state", "focus", "search"]),
  present: modeMembers("present", ["enter", "leave", "show", "next", "previous"]),
});
window.storymap = api;
