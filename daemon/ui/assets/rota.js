// rota's web console. Pages work without this; it only helps: it remembers
// the browser's time zone in a cookie the server reads, so times show on the
// viewer's wall clock, and reloads once when that zone differs from the one
// the page was drawn in.
(function () {
  "use strict";
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var have = document.cookie.split("; ").find(function (c) { return c.indexOf("rota_tz=") === 0; });
    if (zone && !have && location.search.indexOf("tz=") < 0) {
      document.cookie = "rota_tz=" + encodeURIComponent(zone) + "; Path=/; Max-Age=31536000; SameSite=Strict";
      if (zone !== document.querySelector(".zone").textContent) { location.reload(); }
    }
  } catch (e) { /* no Intl: the server's default zone stays */ }
})();
