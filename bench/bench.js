/*
 * Ferry benchmark, page side. `cargo xtask bench` calls these over WebDriver:
 *   benchLoad(url)        fetch a file; keeps it as a Blob for Ferry and as bytes for a peer
 *   benchFerry(url, name) Ferry's import (window.ferryImport, from the ferry-bench wasm)
 *                         while measuring the longest main-thread task
 *   benchPeer(peer, url)  one JavaScript peer pipeline, in a worker (peer-worker.js)
 * Each returns a Promise of a plain object.
 */
(function () {
  var files = {};

  // Ferry gets the file as a Blob, as a page gets a file the user chose (its bytes stay
  // with the browser until read); a peer gets its bytes, read whole beforehand (not timed).
  window.benchLoad = async function (url) {
    var blob = await (await fetch(url)).blob();
    var buffer = await (await fetch(url)).arrayBuffer();
    files[url] = { ferry: blob, peer: buffer };
    return { bytes: buffer.byteLength };
  };

  // The longest stretch the main thread could not answer: a timer loop that notes the
  // time between turns (a timer fires every few ms when the thread is free; a message
  // loop would be finer but piles up garbage that skews the memory figure), plus the
  // Long Tasks API (which reports tasks over 50 ms).
  function watchMainThread() {
    var last = performance.now();
    var longest = 0;
    var running = true;
    var longTasks = 0;
    var observer = null;
    try {
      observer = new PerformanceObserver(function (list) {
        list.getEntries().forEach(function (e) { longTasks = Math.max(longTasks, e.duration); });
      });
      observer.observe({ type: 'longtask', buffered: false });
    } catch (e) { observer = null; }
    function tick() {
      var now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      if (running) setTimeout(tick, 0);
    }
    setTimeout(tick, 0);
    return function stop() {
      running = false;
      if (observer) observer.disconnect();
      return { longest_gap_ms: longest, longest_longtask_ms: longTasks };
    };
  }

  window.benchFerry = async function (url, name) {
    while (!window.ferryReady) await new Promise(function (r) { setTimeout(r, 20); });
    var file = files[url].ferry;
    var bytes = file.size;
    var stop = watchMainThread();
    var start = performance.now();
    var answer = JSON.parse(await window.ferryImport(file, name));
    // Timed to the moment the sheet was whole on the page (the fingerprint for the resume
    // journal follows it and is not part of the import).
    answer.ms = answer.sheet_ready_at - start;
    var watched = stop();
    answer.longest_gap_ms = watched.longest_gap_ms;
    answer.longest_longtask_ms = watched.longest_longtask_ms;
    answer.bytes = bytes;
    return answer;
  };

  window.benchPeer = function (peer, url) {
    var buffer = files[url].peer;
    files[url].peer = null;
    return new Promise(function (resolve) {
      var worker = new Worker('peer-worker.js');
      worker.onmessage = function (event) {
        worker.terminate();
        resolve(event.data);
      };
      worker.onerror = function (event) {
        worker.terminate();
        resolve({ peer: peer, error: String(event.message || event) });
      };
      worker.postMessage({ peer: peer, buffer: buffer }, [buffer]);
    });
  };
})();
