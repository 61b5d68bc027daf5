// Applies elder mode (larger text) before first paint, so the page never jumps from small to large text.
// A blocking script in <head>, kept in a file so the Content-Security-Policy needs no 'unsafe-inline'.
try {
  if (localStorage.getItem("kepu-elder-mode") === "1") document.documentElement.classList.add("elder");
} catch (e) { /* storage disabled: normal text size */ }
