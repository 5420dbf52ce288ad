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
  const FADE_MS = 180;
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
    const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
    return Math.max(element.clientHeight - lines * lineHeight, lineHeight);
  }

  // Less than a pixel left is nothing left (scroll positions are fractional on zoomed screens).
  function atEnd(element) { return element.scrollTop + element.clientHeight >= element.scrollHeight - 1; }

  function atStart(element) { return element.scrollTop <= 1; }

  // Scroll the card by one page, down (1) or up (-1), if it has a page there; false if not.
  function turnPage(direction) {
    const element = pending ? null : card();
    if (!element || (direction > 0 ? atEnd(element) : atStart(element))) return false;
    element.scrollTop += direction * pageStep(element);
    return true;
  }

  // A card opens at its start, or at its end when the reader came back to it.
  function open(element, end) { element.scrollTop = end ? element.scrollHeight : 0; }

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
    }, FADE_MS);
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
    document.addEventListener("storymap:mode", onMode);
    document.querySelectorAll("[data-sm-action=present]").forEach(function (button) {
      button.addEventListener("click", function () { if (api.present.active) leave(); else enter(); });
    });
  });
})();
