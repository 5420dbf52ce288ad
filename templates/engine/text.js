/* storymap engine — text: localised strings and popups, always built as DOM text (feature data
 * is never parsed as HTML). */

function localised(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return value[state.language] || value[state.data.languages[0]] || "";
  return String(value);
}

// `lang` (optional): another language than the reader's, e.g. to write a text in every language.
function property(props, key, lang) {
  const own = props[key + "_" + (lang || state.language)];
  return own !== undefined && own !== null ? own : props[key];
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function nameOf(feature) {
  return String(property(feature.properties || {}, "name") || feature.id);
}

function popupContent(layerDef, feature) {
  const props = feature.properties || {};
  const box = element("div", "sm-popup");
  box.appendChild(element("h3", "", nameOf(feature)));
  const description = property(props, "description");
  if (description) box.appendChild(element("p", "", String(description)));
  const list = element("dl");
  layerDef.popup.forEach(function (field) {
    const value = property(props, field.key);
    if (value === undefined || value === null || value === "") return;
    addRow(list, localised(field.label) || field.key, typeof value === "object" ? JSON.stringify(value) : value);
  });
  classRows(layerDef, feature).forEach(function (row) { addRow(list, row[0], row[1]); });
  const ui = state.data.ui[state.language];
  if (props.area_ha != null) addRow(list, ui.area, props.area_ha + " ha");
  if (props.length_km != null) addRow(list, ui.length, props.length_km + " km");
  if (props.accuracy) addRow(list, ui.accuracy, accuracyText(ui, props.accuracy));
  addSource(list, ui, property(props, "source"), safeUrl(props.source_url));
  if (list.childNodes.length) box.appendChild(list);
  return box;
}

// The classes a feature is in, when its layer decides its style by a property (layer.keys): one
// [title, class label] row per key, e.g. ["Closed", "1960–1969"], in the current language.
function classRows(layerDef, feature) {
  if (!layerDef.keys) return [];
  const index = layerDef.data.features.indexOf(feature);
  return layerDef.keys.map(function (key, k) {
    return [localised(key.title), localised(key.labels[layerDef.key_of[k][index]])];
  });
}

// A known accuracy level reads as its word and what it means; any other value as written.
function accuracyText(ui, level) {
  const known = ui.accuracy_levels[level];
  return known ? known.label + " \u2014 " + known.note : String(level);
}

function addRow(list, label, value) {
  list.appendChild(element("dt", "", label));
  list.appendChild(element("dd", "", String(value)));
}

function addSource(list, ui, source, url) {
  if (!source && !url) return;
  const value = url ? element("a", "", String(source || url)) : document.createTextNode(String(source));
  if (url) { value.href = url; value.rel = "noopener noreferrer"; value.target = "_blank"; }
  list.appendChild(element("dt", "", ui.source));
  const cell = element("dd");
  cell.appendChild(value);
  list.appendChild(cell);
}

function safeUrl(value) {
  // Only web links become links; anything else (javascript:, data:, ...) stays text or nothing.
  return typeof value === "string" && /^https?:\/\//i.test(value.trim()) ? value.trim() : null;
}
