/* storymap: the one script in <head>. It runs before the first paint, so the page is laid out for
 * the engine from its first frame instead of jumping from the no-JavaScript layout when the engine
 * starts at the end of the body. A reader without JavaScript keeps class="no-js" and its layout. */
document.documentElement.classList.replace("no-js", "js");
