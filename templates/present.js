/* storymap presentation mode: one chapter per screen at projector size, driven by the keys a
 * presenter's clicker sends. Camera changes cross-fade instead of flying, to spare a class the
 * motion. Built on the public window.storymap API.
 *
 * A chapter taller than its card is shown a card at a time: "next" turns its pages before it moves
 * on, and "previous" turns them back and enters the chapter before at its end, so the clicker alone
 * reaches every line, the discussion questions included. Turning a page only scrolls the card: the
 * map stays the chapter's and nothing is announced (the chapter was, when it became active). */
(function () {
  "use strict";

  const api = window.storymap;

  // How long the map's fade just started runs: its transition's own end (storymap.css sets it,
  // --sm-map-fade), read from the running animation rather than parsed from the style sheet.
  function fadeMilliseconds(element) {
    return element.getAnimations().reduce(function (most, animation) {
      return Math.max(most, animation.effect.getComputedTiming().endTime);
    }, 0);
  }
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const NEXT = ["ArrowRight", "ArrowDown", "PageDown", " ", "Spacebar"];
  const PREVIOUS = ["ArrowLeft", "ArrowUp", "PageUp"];
  let pending = null; // the chapter a cross-fade is on its way to: {index, end}
  let fadeTimer = 0;

  function ids() { return api.data.chapters.map(function (chapter) { return chapter.id; }); }

  function currentIndex() { return pending ? pending.index : Math.max(ids().indexOf(api.active), 0); }

  function card() { return api.active === null ? null : document.getElementById(api.active); }

  // How far one page turn scrolls: the card's height less an overlap of a few lines, so the lines
  // that closed one page open the next and the reader keeps their place. The number of lines is
  // storymap.css's (--sm-page-overlap), beside the card's size.
  function pageStep(element) {
    const style = getComputedStyle(element);
    const lines = parseFloat(style.getPropertyValue("--sm-page-overlap")) || 0;
    return Math.max(element.clientHeight - lines * lineHeight(element), lineHeight(element));
  }

  function lineHeight(element) {
    const style = getComputedStyle(element);
    return parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
  }

  // Laid out is not shown: the text of a closed <details> has boxes, but no one sees it.
  function shown(element) { return !element.checkVisibility || element.checkVisibility(); }

  // The card's lines as shown: each line of its text, and each picture as one tall line, as
  // {top, bottom} in the card's scroll coordinates (0 is the top of its content).
  function lineBoxes(element) {
    const box = element.getBoundingClientRect();
    const origin = box.top + element.clientTop - element.scrollTop;
    const rects = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.trim() || !shown(node.parentElement)) continue;
      range.selectNodeContents(node);
      Array.prototype.push.apply(rects, range.getClientRects());
    }
    element.querySelectorAll("img, svg, video, canvas, iframe").forEach(function (picture) {
      if (shown(picture)) Array.prototype.push.apply(rects, picture.getClientRects());
    });
    return rects.filter(function (rect) { return rect.height > 0; })
      .map(function (rect) { return { top: rect.top - origin, bottom: rect.bottom - origin }; });
  }

  // Where a page that should begin at `target` begins: at the top of the first line the target
  // would cut (so no page opens with half a line), with the leading above that line, never above the
  // line before. Clamped to the card's scroll range.
  function snapped(element, target) {
    const lines = lineBoxes(element);
    const most = element.scrollHeight - element.clientHeight;
    let top = Math.min(Math.max(target, 0), most);
    const cut = lines.filter(function (line) { return line.top < top - 0.5 && line.bottom > top + 0.5; });
    if (!cut.length) return top;
    const first = cut.reduce(function (a, b) { return b.top < a.top ? b : a; });
    const above = lines.reduce(function (end, line) { return line.bottom <= first.top + 0.5 ? Math.max(end, line.bottom) : end; }, 0);
    const leading = Math.max(lineHeight(element) - (first.bottom - first.top), 0) / 2;
    return Math.max(above, first.top - leading);
  }

  // The end of the card's text is shown: its last line lies whole inside the card (a page that
  // begins at a whole line may stop short of the card's last pixels of padding).
  function atEnd(element) {
    if (element.scrollTop + element.clientHeight >= element.scrollHeight - 1) return true;
    const end = lineBoxes(element).reduce(function (most, line) { return Math.max(most, line.bottom); }, 0);
    return end <= element.scrollTop + element.clientHeight + 0.5;
  }

  function atStart(element) { return element.scrollTop <= 1; }

  // Scroll the card by one page, down (1) or up (-1), if it has a page there; false if not. The
  // new page begins at a whole line; where that would not move the card (a line or a picture taller
  // than a page), it moves by the page's height.
  function turnPage(direction) {
    const element = pending ? null : card();
    if (!element || (direction > 0 ? atEnd(element) : atStart(element))) return false;
    const target = element.scrollTop + direction * pageStep(element);
    const top = snapped(element, target);
    element.scrollTop = (top - element.scrollTop) * direction > 1 ? top : target;
    remember(element);
    return true;
  }

  // A card opens at its start, or at its end when the reader came back to it.
  function open(element, end) {
    element.scrollTop = end ? snapped(element, element.scrollHeight) : 0;
    remember(element);
  }

  // Where the presenter is in the card: the text at its top, so that a resize that reflows it (a
  // window moved to the projector, a turned tablet) shows the same line at the top again.
  let place = null;

  function remember(element) {
    const box = element.getBoundingClientRect();
    const x = box.left + element.clientLeft + parseFloat(getComputedStyle(element).paddingLeft) + 1;
    const y = box.top + element.clientTop + 1;
    const caret = document.caretRangeFromPoint ? document.caretRangeFromPoint(x, y) : null;
    place = { id: element.id, caret: caret && element.contains(caret.startContainer) ? caret : null,
              fraction: element.scrollTop / Math.max(element.scrollHeight, 1) };
  }

  // A resize's own scrolls (the card clamped, the place put back) come in the frames after it: they
  // are not the presenter's, so the place is not remembered from them — a window made larger and
  // then small again comes back to the same text.
  let settling = false;
  let settleFrame = 0;

  function settle() {
    settling = true;
    cancelAnimationFrame(settleFrame);
    settleFrame = requestAnimationFrame(function () {
      settleFrame = requestAnimationFrame(function () { settling = false; });
    });
  }

  function restore() {
    const element = card();
    if (!api.present.active || !element || !place || place.id !== element.id || pending) return;
    settle();
    let target = place.fraction * element.scrollHeight;
    if (place.caret) {
      const rect = place.caret.getBoundingClientRect();
      target = rect.top - element.getBoundingClientRect().top - element.clientTop + element.scrollTop;
    }
    element.scrollTop = atStart({ scrollTop: target }) ? 0 : snapped(element, target);
  }

  function arrive(index, end) {
    pending = null;
    api.goTo(ids()[index], { instant: true });
    open(card(), end);
  }

  // Show the chapter at `index` (clamped to the story), at its start or, with `end`, its end.
  function show(index, end) {
    const all = ids();
    const target = Math.min(Math.max(index, 0), all.length - 1);
    if (!pending && all[target] === api.active) { open(card(), end); return; }
    if (reducedMotion) { arrive(target, end); return; }
    const fading = pending !== null;
    pending = { index: target, end: Boolean(end) };
    if (fading) return; // the cross-fade under way lands on the newest target
    const map = api.map.getContainer();
    map.classList.add("sm-fading");
    fadeTimer = setTimeout(function () {
      arrive(pending.index, pending.end);
      map.classList.remove("sm-fading");
    }, fadeMilliseconds(map));
  }

  function cancelFade() {
    clearTimeout(fadeTimer);
    pending = null;
    api.map.getContainer().classList.remove("sm-fading");
  }

  function next() {
    if (!turnPage(1) && currentIndex() < ids().length - 1) show(currentIndex() + 1);
  }

  function previous() {
    if (!turnPage(-1) && currentIndex() > 0) show(currentIndex() - 1, true);
  }

  function enter() {
    if (api.explore.active) api.explore.leave(); // back to the chapter explore was opened from
    api.setMode("present");
    api.goTo(api.active || ids()[0], { instant: true, force: true });
    open(card(), false);
  }

  function leave() {
    cancelFade();
    api.setMode("story");
    api.goTo(api.active || ids()[0], { instant: true, force: true });
  }

  function onMode(event) {
    // However presentation mode ends, full screen ends with it.
    if (event.detail.previous === "present" && document.fullscreenElement) document.exitFullscreen();
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
  }

  // A click on the chapter's card is the clicker's "next", for a presenter with a mouse — unless
  // it is meant for something in the card (a link, a button, the sources, a term), ends a selection
  // made by dragging, or lands on the card's scroll bar. The map is no part of the card: it pans.
  const OWN_CLICK = "a, button, summary, details, input, select, textarea, label, abbr, dfn, [tabindex]:not([tabindex='-1'])";

  function onScrollBar(element, event) {
    const box = element.getBoundingClientRect();
    return event.clientX >= box.left + element.clientLeft + element.clientWidth;
  }

  function onClick(event) {
    if (!api.present.active || event.button !== 0 || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    const element = card();
    if (!element || !element.contains(event.target)) return;
    const own = event.target.closest(OWN_CLICK);
    if ((own && element.contains(own)) || !window.getSelection().isCollapsed || onScrollBar(element, event)) return;
    next();
  }

  function typing(event) {
    const target = event.target;
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function onKey(event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (!api.present.active) {
      if (key === "p" || key === "P") { event.preventDefault(); enter(); }
      return;
    }
    let handled = true;
    if (NEXT.indexOf(key) !== -1) next();
    else if (PREVIOUS.indexOf(key) !== -1) previous();
    else if (key === "Home") show(0);
    else if (key === "End") show(ids().length - 1);
    else if (/^[0-9]$/.test(key)) show((key === "0" ? 10 : Number(key)) - 1);
    else if (key === "f" || key === "F") toggleFullscreen();
    else if (key === "Escape" || key === "p" || key === "P") leave();
    else handled = false;
    if (handled) event.preventDefault();
  }

  api.provide("present", {
    enter: enter, leave: leave, next: next, previous: previous,
    show: function (index) { show(index); },
  });

  document.addEventListener("storymap:ready", function () {
    document.addEventListener("keydown", onKey);
    document.getElementById("sm-story").addEventListener("click", onClick);
    // The resize event comes once the layout has changed, before the card's own scroll events:
    // the place is put back at once, and remembered again after every scroll of the card.
    window.addEventListener("resize", restore);
    document.addEventListener("scroll", function (event) {
      if (api.present.active && event.target === card() && !pending && !settling) remember(event.target);
    }, true);
    document.addEventListener("storymap:mode", onMode);
    document.querySelectorAll("[data-sm-action=present]").forEach(function (button) {
      button.addEventListener("click", function () { if (api.present.active) leave(); else enter(); });
    });
  });
})();
