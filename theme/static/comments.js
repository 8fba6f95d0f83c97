// Loads the comments (giscus or utterances) only when the reader asks, or scrolls near them with
// load = "scroll": until then nothing is fetched from the provider's host.
(() => {
  "use strict";
  for (const box of document.querySelectorAll("[data-comments]")) {
    const button = box.querySelector("[data-comments-load]");
    let started = false;
    const load = () => {
      if (started) return;
      started = true;
      const script = document.createElement("script");
      for (const a of box.attributes) {
        if (a.name.startsWith("data-attr-")) script.setAttribute(a.name.slice(10), a.value);
      }
      script.src = box.dataset.src;
      script.async = true;
      script.crossOrigin = "anonymous";
      box.replaceChildren(script);
    };
    if (box.dataset.load === "scroll" && "IntersectionObserver" in window) {
      const seen = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) { seen.disconnect(); load(); }
      }, { rootMargin: "400px" });
      seen.observe(box);
    }
    if (button) {
      button.hidden = false;
      button.addEventListener("click", load);
    }
  }
})();
