/* storymap: the one script in <head>. It runs before the first paint, so the page is laid out for
 * the engine from its first frame instead of jumping from the no-JavaScript layout when the engine
 * starts (after the first chapter). A reader without JavaScript keeps class="no-js" and its layout. */
document.documentElement.classList.replace("no-js", "js");
