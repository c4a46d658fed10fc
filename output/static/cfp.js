// cfp.html: each deadline also in the reader's own zone, and countdowns kept current. Without this
// script the page shows the deadlines in their stated zones and the countdown as of publishing.
(function () {
  "use strict";
  var calls = document.querySelectorAll("li.cfp[data-deadline]");
  if (!calls.length || typeof Intl === "undefined") { return; }
  var fmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });

  function countdown(ms) {
    if (ms <= 0) { return "closed"; }
    var minutes = Math.floor(ms / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    if (days >= 2) { return "closes in " + days + " days, " + hours + " h"; }
    if (minutes >= 60) { return "closes in " + Math.floor(minutes / 60) + " h " + (minutes % 60) + " min"; }
    return "closes in " + minutes + " min";
  }

  function update() {
    var now = Date.now();
    Array.prototype.forEach.call(calls, function (li) {
      var deadline = new Date(li.dataset.deadline);
      if (isNaN(deadline.getTime())) { return; }
      var mine = li.querySelector(".viewer-deadline");
      if (mine) { mine.textContent = "(your time: " + fmt.format(deadline) + ")"; }
      var left = li.querySelector(".countdown");
      if (left) { left.textContent = countdown(deadline.getTime() - now); }
      li.classList.toggle("is-closed", deadline.getTime() <= now);
    });
  }

  update();
  setInterval(update, 60000);
})();
