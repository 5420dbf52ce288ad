/* storymap engine — decode: a layer's coordinates from the compact form the page ships in
 * (storymap/compact.py) back to GeoJSON, before any other part reads the data.
 *
 * Each innermost list is [dx0, dy0, dx1, dy1, ...]: whole steps of 10^-decimals degrees, each
 * from the position before it, running on through the whole layer from (0, 0). Dividing the
 * whole number by 10^decimals gives the very number the rounded GeoJSON held. */

function decodeNested(coordinates, at) {
  if (typeof coordinates[0] !== "number") return coordinates.map(function (part) { return decodeNested(part, at); });
  const out = [];
  for (let i = 0; i < coordinates.length; i += 2) {
    at.x += coordinates[i];
    at.y += coordinates[i + 1];
    out.push([at.x / at.scale, at.y / at.scale]);
  }
  return out;
}

// In place: afterwards layerDef.data is plain GeoJSON and layerDef.decimals is gone.
function decodeLayer(layerDef) {
  if (layerDef.decimals === null) return;
  const at = { x: 0, y: 0, scale: Math.pow(10, layerDef.decimals) };
  layerDef.data.features.forEach(function (feature) {
    const geometry = feature.geometry;
    const decoded = decodeNested(geometry.coordinates, at);
    geometry.coordinates = geometry.type === "Point" ? decoded[0] : decoded;
  });
  delete layerDef.decimals;
}
