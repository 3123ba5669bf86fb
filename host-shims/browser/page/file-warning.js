// A classic script (browsers do run these from file://, unlike ES modules and wasm): tell someone
// who opened the file directly how to open the page instead of leaving it stuck on "Loading".
if (location.protocol === "file:") {
  const verdict = document.getElementById("verdict");
  verdict.className = "verdict rejected";
  verdict.dataset.status = "file";
  verdict.textContent =
    "This page must be served over http(s): browsers refuse ES modules and WebAssembly " +
    "from file:// pages. Serve the folder with any static file server (for example `python3 -m http.server` " +
    "in dist/site, then open /preview/), or use `npx wrangler dev`.";
}
