/* Elder mode is applied before first paint so the page never jumps from small to large text.
   A blocking file, not an inline script: the pages run under a strict Content-Security-Policy. */
document.documentElement.classList.add("js");  // controls the scripts switch on keep their place from the first paint
try { if (localStorage.getItem("kepu-elder-mode") === "1") document.documentElement.classList.add("elder"); } catch (e) { /* private mode */ }
