/* Elder mode (larger text, stronger contrast) remembered in this browser without an account,
   and Q&A answers opened for printing. The page works fully without this script. */
(function () {
  var KEY = "kepu-elder-mode";
  var root = document.documentElement;
  var buttons = document.querySelectorAll("[data-elder-toggle]");

  function show(on) {
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
  }

  function toggle() {
    var on = root.classList.toggle("elder");
    try {
      if (on) localStorage.setItem(KEY, "1"); else localStorage.removeItem(KEY);
    } catch (e) { /* private mode: the choice lasts for this page only */ }
    show(on);
  }

  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", toggle);
  }
  show(root.classList.contains("elder"));

  window.addEventListener("beforeprint", function () {
    var closed = document.querySelectorAll("details:not([open])");
    for (var i = 0; i < closed.length; i++) closed[i].setAttribute("open", "");
  });
})();
