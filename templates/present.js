/* storymap presentation mode: one chapter per screen at projector size, driven by the keys a
 * presenter's clicker sends. Camera changes cross-fade instead of flying, to spare a class the
 * motion. Built on the public window.storymap API. */
(function () {
  "use strict";

  const api = window.storymap;
  const FADE_MS = 180;
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const NEXT = ["ArrowRight", "ArrowDown", "PageDown", " ", "Spacebar"];
  const PREVIOUS = ["ArrowLeft", "ArrowUp", "PageUp"];

  function ids() { return api.data.chapters.map(function (chapter) { return chapter.id; }); }

  function currentIndex() { return Math.max(ids().indexOf(api.active), 0); }

  function show(index) {
    const all = ids();
    const target = all[Math.min(Math.max(index, 0), all.length - 1)];
    if (target === api.active) return;
    const map = api.map.getContainer();
    if (reducedMotion) { api.goTo(target, { instant: true }); return; }
    map.classList.add("sm-fading");
    setTimeout(function () {
      api.goTo(target, { instant: true });
      map.classList.remove("sm-fading");
    }, FADE_MS);
  }

  function enter() {
    if (api.explore.active) api.explore.leave(); // back to the chapter explore was opened from
    api.setMode("present");
    api.goTo(api.active || ids()[0], { instant: true, force: true });
  }

  function leave() {
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
    if (NEXT.indexOf(key) !== -1) show(currentIndex() + 1);
    else if (PREVIOUS.indexOf(key) !== -1) show(currentIndex() - 1);
    else if (key === "Home") show(0);
    else if (key === "End") show(ids().length - 1);
    else if (/^[0-9]$/.test(key)) show((key === "0" ? 10 : Number(key)) - 1);
    else if (key === "f" || key === "F") toggleFullscreen();
    else if (key === "Escape" || key === "p" || key === "P") leave();
    else handled = false;
    if (handled) event.preventDefault();
  }

  api.provide("present", { enter: enter, leave: leave, show: show });

  document.addEventListener("storymap:ready", function () {
    document.addEventListener("keydown", onKey);
    document.addEventListener("storymap:mode", onMode);
    document.querySelectorAll("[data-sm-action=present]").forEach(function (button) {
      button.addEventListener("click", function () { if (api.present.active) leave(); else enter(); });
    });
  });
})();
