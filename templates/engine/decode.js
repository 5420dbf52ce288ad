/* storymap engine — decode: a layer's coordinates from the compact form the page ships in
 * (storymap/compact.py) back to GeoJSON, before any other part reads the data.
 *
 * Each innermost list is [dx0, dy0, dx1, dy1, ...]: whole steps of 10^-decimals degrees, each
 * from the position before it, running on through the whole layer from (0, 0). Dividing the
 * whole number by 10^decimals gives the very number the rounded GeoJSON held. */

// How many list levels sit above the innermost list of positions (as compact.DEPTH).
const COMPACT_DEPTH = { Point: 0, MultiPoint: 0, LineString: 0, MultiLineString: 1, Polygon: 1, MultiPolygon: 2 };

function decodePositions(steps, cursor) {
  const out = [];
  for (let i = 0; i < steps.length; i += 2) {
    cursor.x += steps[i];
    cursor.y += steps[i + 1];
    out.push([cursor.x / cursor.scale, cursor.y / cursor.scale]);
  }
  return out;
}

function decodeNested(coordinates, depth, cursor) {
  if (depth === 0) return decodePositions(coordinates, cursor);
  return coordinates.map(function (part) { return decodeNested(part, depth - 1, cursor); });
}

// In place: afterwards layerDef.data is plain GeoJSON and layerDef.decimals is gone.
function decodeLayer(layerDef) {
  if (layerDef.decimals === null || layerDef.decimals === undefined) return;
  const cursor = { x: 0, y: 0, scale: Math.pow(10, layerDef.decimals) };
  layerDef.data.features.forEach(function (feature) {
    const geometry = feature.geometry;
    const decoded = decodeNested(geometry.coordinates, COMPACT_DEPTH[geometry.type], cursor);
    geometry.coordinates = geometry.type === "Point" ? decoded[0] : decoded;
  });
  delete layerDef.decimals;
}
