/*
 * Ferry bench: runs one JavaScript peer pipeline (peers.js) in a Web Worker.
 *
 * Message in:  {peer: 'papaparse' | 'udsv' | 'sheetjs', buffer: ArrayBuffer}
 * Message out: {peer, ms, result} (ms from performance.now(), around the whole pipeline:
 *              decode, parse, check, payload) or {peer, error}.
 *
 * The libraries are expected next to this script in ./vendor/: papaparse.min.js (from
 * papaparse), udsv.js (udsv's dist/uDSV.iife.min.js) and xlsx.full.min.js (from xlsx).
 */
importScripts('./vendor/papaparse.min.js', './vendor/udsv.js', './vendor/xlsx.full.min.js', './peers.js');

// Assigned (not added) so that it replaces the handler papaparse installs when it thinks
// it is its own worker (a worker started from a blob: URL).
self.onmessage = function (event) {
  var data = event.data || {};
  var peer = data.peer;
  try {
    var run = self.FerryPeers[peer];
    if (typeof run !== 'function') throw new Error('unknown peer "' + peer + '"');
    var start = performance.now();
    var result = run(data.buffer);
    var ms = performance.now() - start;
    self.postMessage({ peer: peer, ms: ms, result: result });
  } catch (e) {
    self.postMessage({ peer: peer, error: String(e) });
  }
};
