/* storymap serve only: reload the page when the story has been rebuilt (server-sent events). */
(function () {
  "use strict";
  let seen = null;
  const events = new EventSource("/__storymap/events");
  events.onmessage = function (event) {
    if (seen !== null && event.data !== seen) location.reload();
    seen = event.data;
  };
})();
