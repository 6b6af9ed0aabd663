// Render the pages' LaTeX with the KaTeX copy this site serves (docs/assets/katex): nothing loads from a CDN.
// Markdown pages: pymdownx.arithmatex (generic) wraps math in \( \) and \[ \], so a stray "$" in prose stays text.
// Notebook Markdown cells (mkdocs-jupyter) keep Jupyter's $ $ and $$ $$: those are rendered inside notebooks only.
(function () {
  // Code (page fences, notebook input cells) and notebook outputs are never math: "$" there is a dollar.
  var options = { ignoredClasses: ["highlight", "highlight-ipynb", "jp-InputArea-editor", "jp-OutputArea"], throwOnError: false };
  var arithmatex = [
    { left: "\\[", right: "\\]", display: true },
    { left: "\\(", right: "\\)", display: false },
  ];
  var jupyter = [
    { left: "$$", right: "$$", display: true },
    { left: "$", right: "$", display: false },
  ].concat(arithmatex);
  function render() {
    renderMathInElement(document.body, Object.assign({ delimiters: arithmatex }, options));
    document.querySelectorAll(".jupyter-wrapper").forEach(function (notebook) {
      renderMathInElement(notebook, Object.assign({ delimiters: jupyter }, options));
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(render);  // Material: runs on load and after instant navigation
  } else {
    document.addEventListener("DOMContentLoaded", render);
  }
})();
