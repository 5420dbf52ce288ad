/* storymap engine — SlicedGeoJSON: a GeoJSON layer that joins and leaves the map a slice of
 * features per task. Adding or removing 10,000 canvas shapes at once blocks the page for ~80 ms,
 * long enough to make a scroll stutter; a slice of 2,000 does not. A layer smaller than one slice
 * comes and goes at once, exactly like L.GeoJSON. */

const SlicedGeoJSON = L.GeoJSON.extend({
  options: {
    slice: 2000, // features per task
  },

  onAdd: function (map) { this._inSlices(map, true); },

  onRemove: function (map) { this._inSlices(map, false); },

  // Each add or remove starts a new run; a stale run stops at its next slice, so a layer that
  // comes back while still leaving ends with every feature.
  _inSlices: function (map, adding) {
    const run = this._run = (this._run || 0) + 1;
    const members = this.getLayers();
    const size = this.options.slice;
    const group = this;
    let i = 0;
    (function next() {
      if (run !== group._run) return;
      for (const end = Math.min(i + size, members.length); i < end; i += 1) {
        if (!adding) map.removeLayer(members[i]);
        else if (group.hasLayer(members[i])) map.addLayer(members[i]); // the year filter took it out meanwhile
      }
      if (i < members.length) setTimeout(next, 0);
    })();
  },
});
