/*
 * The PapaParse importer's Web Worker, for `cargo xtask bench`: the file a user chose is
 * streamed through Papa.parse in chunks (its own FileReaderSync streaming in a worker),
 * the first row with text is the header, and every data row goes through the vendor's
 * checks (vendor-checks.js) as its chunk passes. Nothing is kept but the counts.
 *
 * Message in:  {vendor, file}          (a File from an <input type="file">)
 * Message out: {vendor, result}        result = {rows, ready, held, warnings}
 *          or  {vendor, error}
 *
 * papaparse.min.js is expected in ./vendor/ (copied from npm's papaparse by the bench).
 */
importScripts('./vendor/papaparse.min.js', './vendor-checks.js');

// Assigned (not added) so that it replaces the handler papaparse installs when it thinks
// it is its own worker.
self.onmessage = function (event) {
  var data = event.data || {};
  var vendor = data.vendor;
  var checker = null;
  try {
    Papa.parse(data.file, {
      skipEmptyLines: true,
      chunk: function (results) {
        var rows = results.data;
        var i = 0;
        if (checker === null) {
          for (; i < rows.length; i++) {
            if (rows[i].some(function (c) { return FerryChecks._trim(c).length !== 0; })) break;
          }
          if (i === rows.length) return;
          checker = FerryChecks.checker(vendor, rows[i]);
          i++;
        }
        for (; i < rows.length; i++) checker.row(rows[i]);
      },
      complete: function () {
        if (checker === null) self.postMessage({ vendor: vendor, error: 'the file has no rows' });
        else self.postMessage({ vendor: vendor, result: checker.finish() });
      },
      error: function (e) {
        self.postMessage({ vendor: vendor, error: String(e && e.message || e) });
      }
    });
  } catch (e) {
    self.postMessage({ vendor: vendor, error: String(e) });
  }
};
