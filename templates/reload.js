/* storymap serve only: reload the page when the server has a newer build than this page's
   (server-sent events). The build number is written in when the page is rendered: comparing with
   the first number the server sends instead would miss a rebuild that lands before it connects. */
(function () {
  "use strict";
  const built = STORYMAP_BUILD;  // replaced with the number when the page is rendered
  const events = new EventSource("/__storymap/events");
  events.onmessage = function (event) {
    if (Number(event.data) > built) {
      events.close();
      location.reload();
    }
  };
})();
