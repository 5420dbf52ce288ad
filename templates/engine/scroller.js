/* storymap engine — the scroller: which chapter is under the reading line.
 *
 * The rule: whatever moved the page (wheel, keys, links, scrollTo, a resize, a rotation), once
 * it comes to rest the active step is the last one whose top has reached the reading line — the
 * one under it, or, while the line is in the gap after a step, that step — and none above the
 * first. A step that has left the screen is never active: then the next one if it is in view
 * (the end of a long gap), or none (below the last step). sync() applies the rule from the
 * page's geometry.
 *
 * Two triggers call it, in scrollama's shape. An IntersectionObserver per step reports each
 * crossing of the line as it happens, at no cost per scrolled frame. But a jump (scrollTo, the
 * End key, a restored position) from one gap into another crosses nothing the observers see, so
 * sync() also runs when scrolling comes to rest (scrollend, or a quiet moment where a browser
 * has no scrollend) and after a resize, which is also when the line's height is recomputed.
 *
 * A resize that reflows the text (a turned phone, a narrowed window) would leave the page at its
 * old pixel offset, over other text, maybe another chapter. So the scroller remembers the reader's
 * place whenever the page rests — the active chapter and how far into it the reading line is — and
 * after a resize scrolls that same part of that chapter back to the (new) line, before it syncs:
 * the chapter stays active, and nothing is announced or added to the history. */

const REST_MS = 120; // no scroll event for this long counts as rest where scrollend is missing

// options: steps (elements in document order); line() -> the line's height in % of the window;
// enabled() -> whether to follow the page now; active() -> the active step's index (-1: none);
// onStep(index), with -1 above the first step.
function createScroller(options) {
  const steps = options.steps;
  let observers = [];
  let line = null;
  let held = false;
  let restTimer = 0;
  let frame = 0;
  let place = null; // the reader's place: {index, fraction} of the active step at the line

  function lineY() { return window.innerHeight * options.line() / 100; }

  // The active step and the fraction of its height above the reading line (0: its top is at the
  // line, 1: its bottom; a line in the gap after it counts as its bottom).
  function remember() {
    const index = options.active();
    if (index < 0 || !steps[index].getClientRects().length) { place = null; return; }
    const box = steps[index].getBoundingClientRect();
    const fraction = box.height ? (lineY() - box.top) / box.height : 0;
    place = { index: index, fraction: Math.min(Math.max(fraction, 0), 1) };
  }

  // Put the remembered part of the remembered step at the line again, as the layout now is.
  function restore() {
    if (!place || place.index !== options.active() || !steps[place.index].getClientRects().length) return;
    const box = steps[place.index].getBoundingClientRect();
    const off = box.top + place.fraction * box.height - lineY();
    if (Math.abs(off) >= 1) window.scrollBy({ top: off, behavior: "instant" });
  }

  function current() {
    const y = window.innerHeight * line / 100;
    let index = -1;
    for (let i = 0; i < steps.length && steps[i].getBoundingClientRect().top <= y; i += 1) index = i;
    if (index === -1 || steps[index].getBoundingClientRect().bottom > 0) return index;
    // The step has left the screen: the next one if it is already in view, or none (after the last).
    const next = steps[index + 1];
    return next && next.getBoundingClientRect().top < window.innerHeight ? index + 1 : -1;
  }

  function sync() {
    if (held || !options.enabled()) return;
    options.onStep(current());
    remember();
  }

  function observe() {
    // The observers' root margin leaves a band 1% high at the line.
    const next = options.line();
    if (next === line) return;
    line = next;
    observers.forEach(function (observer) { observer.disconnect(); });
    const margin = -line + "% 0px " + (line - 99) + "% 0px";
    observers = steps.map(function (step) {
      const observer = new IntersectionObserver(sync, { rootMargin: margin, threshold: 0 });
      observer.observe(step);
      return observer;
    });
  }

  function rest() {
    clearTimeout(restTimer);
    held = false;
    sync();
  }

  function onScroll() {
    clearTimeout(restTimer);
    restTimer = setTimeout(rest, REST_MS);
  }

  function onResize() {
    // Layout has changed by the next frame; one sync per frame however many resize events come.
    // The place is the one remembered before the first of them: it is not remembered again until
    // the page has been put back there.
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(function () {
      if (options.enabled()) restore();
      observe();
      sync();
    });
  }

  // While the page scrolls towards a chapter the caller has already made active, do not follow
  // it through the chapters it passes; follow again once it rests (or at once if it never moves).
  function hold() {
    held = true;
    onScroll();
  }

  observe();
  window.addEventListener("scroll", onScroll, { passive: true });
  if ("onscrollend" in window) window.addEventListener("scrollend", rest);
  window.addEventListener("resize", onResize);
  return { sync: sync, hold: hold };
}

let scroller = null; // created by start()

function readingLine() {
  // The middle of the window where the map stands beside the text; lower down where it takes the
  // top (the layouts and the line's heights are storymap/layout.py's, like the style sheet's).
  const layout = state.data.layout;
  return layout.reading_line[window.matchMedia(layout.media.stacked).matches ? "stacked" : "beside"];
}
