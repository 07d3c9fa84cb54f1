/*
 * The PapaParse importer's page, for `cargo xtask bench`: Ferry's peer on the user's path.
 * The worker is started when the page loads (as Ferry starts its import worker ahead of
 * need); choosing a file posts it to the worker, and the time from the input's `change`
 * to the worker's answer is what a user waits. The vendor is the page's `?vendor=`.
 *
 * The bench reads `window.__peer`: {ms, result} or {error}, once the answer is in.
 */
(function () {
  'use strict';
  var vendor = new URLSearchParams(location.search).get('vendor') || 'engage';
  var worker = new Worker('importer-worker.js');
  var chosen = 0;
  window.__peer = undefined;
  worker.onmessage = function (event) {
    var data = event.data;
    var ms = performance.now() - chosen;
    window.__peer = data.error ? { error: data.error } : { ms: ms, result: data.result };
    document.getElementById('result').textContent = data.error
      ? 'Could not read the file: ' + data.error
      : data.result.ready + ' ready, ' + data.result.held + ' with problems, ' + data.result.warnings + ' warnings';
  };
  document.getElementById('file').addEventListener('change', function (event) {
    var file = event.target.files[0];
    if (!file) return;
    chosen = performance.now();
    window.__peer = undefined;
    worker.postMessage({ vendor: vendor, file: file });
  });
})();
