// Remembers the reader's choice of cards or compact list on this device. The choice itself works
// without this script (a radio button and CSS); without storage it simply is not remembered.
(function () {
  "use strict";
  var KEY = "pyevents.view";
  var radios = Array.prototype.slice.call(document.querySelectorAll("input[name=view]"));
  if (!radios.length) { return; }
  var saved = null;
  try { saved = window.localStorage.getItem(KEY); } catch (e) { saved = null; }
  radios.forEach(function (radio) {
    if (saved && radio.value === saved) { radio.checked = true; }
    radio.addEventListener("change", function () {
      if (!radio.checked) { return; }
      try { window.localStorage.setItem(KEY, radio.value); } catch (e) { /* storage refused: not remembered */ }
    });
  });
})();
