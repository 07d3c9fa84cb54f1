/*
 * Ferry's JavaScript peers for `cargo xtask bench`: file → validated Longenesis Engage
 * payload, the way a JavaScript app would do it with a popular parser from npm.
 *
 * A classic script (no modules): load it with importScripts() in a Web Worker, or
 * evaluate it in node after the libraries. It expects the globals `Papa` (papaparse),
 * `uDSV` (udsv) and `XLSX` (SheetJS) and defines `FerryPeers`:
 *
 *   FerryPeers.papaparse(arrayBuffer)  CSV  → Papa.parse
 *   FerryPeers.udsv(arrayBuffer)       CSV  → uDSV inferSchema + initParser + stringArrs
 *   FerryPeers.sheetjs(arrayBuffer)    XLSX → XLSX.read + sheet_to_json(header: 1)
 *
 * each returning {rows, valid, skipped, warnings, payload_bytes, batches}.
 *
 * The checks are a port of Ferry's Engage rules (crates/core/src/vendors/engage.rs
 * `prepare` and `payload`, text.rs `is_valid_email`, datetime.rs `parse_datetime`), so
 * that the counts and the payload bytes equal Ferry's for the same file and mapping:
 *
 * - every cell is trimmed as Rust's str::trim does (Unicode White_Space); a blank cell is
 *   absent; rows with no text at all are left out and not counted; the first row with
 *   text is the header;
 * - an invalid e-mail, an unreadable created_at, or no participant_id / national_id /
 *   email is an error and the row is skipped; created_at becomes `YYYY-MM-DD HH:MM:SS`;
 * - a partner_item_id seen on an earlier row (skipped rows included) is a warning;
 * - each valid row becomes {"participant": {...}, "submission": {"activity_slug", ...,
 *   "answers": {...}}} with the present fields in Engage's field order; records go out
 *   in batches of 100 as JSON.stringify({records: batch}), UTF-8 encoded.
 *
 * An optional second argument, `sink(json)`, receives each batch's JSON text (tests).
 */
(function (root) {
  'use strict';

  var ACTIVITY_SLUG = 'bench-survey';
  var BATCH_SIZE = 100;

  var TEXT = 0, EMAIL = 1, PHONE = 2, BOOLEAN = 3, DATETIME = 4;

  /** Engage's fields in the document's order (engage.rs FIELDS): [key, kind]. */
  var FIELDS = [
    ['participant.participant_id', TEXT],
    ['participant.national_id', TEXT],
    ['participant.email', EMAIL],
    ['participant.given_name', TEXT],
    ['participant.family_name', TEXT],
    ['participant.phone', PHONE],
    ['participant.update_profile', BOOLEAN],
    ['participant.text', TEXT],
    ['submission.partner_item_id', TEXT],
    ['submission.created_at', DATETIME]
  ];
  var IDENTIFIERS = ['participant.participant_id', 'participant.national_id', 'participant.email'];
  var ANSWERS_PREFIX = 'answers.';

  /** The bench's mapping: header → Engage field, in mapping order (answers keep it). */
  var MAPPING = [
    ['Participant ID', 'participant.participant_id'],
    ['Email', 'participant.email'],
    ['First name', 'participant.given_name'],
    ['Last name', 'participant.family_name'],
    ['Phone', 'participant.phone'],
    ['Note', 'participant.text'],
    ['Item ID', 'submission.partner_item_id'],
    ['Created at', 'submission.created_at'],
    ['Q1', 'answers.q1'],
    ['Q2', 'answers.q2']
  ];

  // ---- Text ---------------------------------------------------------------------

  /** Rust's char::is_whitespace (Unicode White_Space); all of them are in the BMP. */
  function isWhite(c) {
    if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
    if (c < 0x85) return false;
    return c === 0x85 || c === 0xA0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
      c === 0x2028 || c === 0x2029 || c === 0x202F || c === 0x205F || c === 0x3000;
  }

  /** Rust's str::trim (String.prototype.trim differs on U+0085 and U+FEFF). */
  function trim(s) {
    var end = s.length;
    if (end === 0) return s;
    var start = 0;
    while (start < end && isWhite(s.charCodeAt(start))) start++;
    while (end > start && isWhite(s.charCodeAt(end - 1))) end--;
    return start === 0 && end === s.length ? s : s.slice(start, end);
  }

  // ASCII classes: 1 = letter, 2 = digit, 4 = allowed in an e-mail's local part.
  var ASCII = new Uint8Array(128);
  (function () {
    var c;
    for (c = 65; c <= 90; c++) ASCII[c] = 1 | 4;
    for (c = 97; c <= 122; c++) ASCII[c] = 1 | 4;
    for (c = 48; c <= 57; c++) ASCII[c] = 2 | 4;
    var specials = "!#$%&'*+/=?^_`{|}~.-";
    for (var i = 0; i < specials.length; i++) ASCII[specials.charCodeAt(i)] |= 4;
  })();
  var ALPHABETIC = /^\p{Alphabetic}$/u;
  var ALPHANUMERIC = /^[\p{Alphabetic}\p{N}]$/u; // Rust char::is_alphanumeric

  function isAlphabetic(cp) {
    return ALPHABETIC.test(String.fromCodePoint(cp));
  }
  function isAlphanumeric(cp) {
    return ALPHANUMERIC.test(String.fromCodePoint(cp));
  }

  /** UTF-8 length of s[from, to). */
  function utf8Length(s, from, to) {
    var bytes = 0;
    for (var i = from; i < to; i++) {
      var c = s.charCodeAt(i);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < to) { bytes += 4; i++; }
      else bytes += 3;
    }
    return bytes;
  }

  /**
   * text.rs is_valid_email: one `@` (the last one splits), a non-empty local part of at
   * most 64 bytes without spaces, and a domain of dot-separated labels whose last one has
   * two letters or more.
   */
  function isValidEmail(s) {
    var n = s.length;
    var at = s.lastIndexOf('@');
    if (at <= 0) return false;
    if (at > 21 && utf8Length(s, 0, at) > 64) return false;
    if (n - at - 1 > 84 && utf8Length(s, at + 1, n) > 253) return false;
    var i, c, cp, prev = 0;
    for (i = 0; i < at; i++) {
      c = s.charCodeAt(i);
      if (c < 128) {
        if ((ASCII[c] & 4) === 0) return false;
        if (c === 46 && (i === 0 || prev === 46)) return false; // leading '.' or '..'
      } else {
        cp = s.codePointAt(i);
        if (cp > 0xFFFF) i++;
        if (!isAlphanumeric(cp)) return false;
      }
      prev = c;
    }
    if (prev === 46) return false; // trailing '.'
    var labels = 0, length = 0, last = 0, letters = true;
    for (i = at + 1; ; i++) {
      if (i === n || (c = s.charCodeAt(i)) === 46) {
        if (length === 0 || last === 45) return false; // empty label, or ends with '-'
        labels++;
        if (i === n) break;
        length = 0;
        letters = true;
        continue;
      }
      if (c < 128) {
        if (length === 0 && c === 45) return false; // starts with '-'
        if ((ASCII[c] & 3) === 0 && c !== 45) return false;
        if ((ASCII[c] & 1) === 0) letters = false;
      } else {
        cp = s.codePointAt(i);
        if (cp > 0xFFFF) i++;
        if (!isAlphanumeric(cp)) return false;
        if (letters && !isAlphabetic(cp)) letters = false;
      }
      length++; // characters, not UTF-16 units
      last = c;
    }
    return labels >= 2 && letters && length >= 2;
  }

  // ---- Dates --------------------------------------------------------------------

  var PAD2 = [];
  for (var p = 0; p < 100; p++) PAD2.push(p < 10 ? '0' + p : String(p));

  function daysInMonth(year, month) {
    if (month === 4 || month === 6 || month === 9 || month === 11) return 30;
    if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
    return 31;
  }

  // parse_time's result, to avoid an array per call.
  var H = 0, M = 0, S = 0;

  /** datetime.rs parse_time: `HH:MM[:SS]`, a trailing zone and fractions dropped. */
  function parseTime(t) {
    var end = t.length, i, c;
    while (end > 0 && t.charCodeAt(end - 1) === 90) end--; // trailing 'Z's
    for (i = 0; i < end; i++) {
      c = t.charCodeAt(i);
      if (c === 43 || c === 45) { end = i; break; } // up to the first '+' or '-'
    }
    for (i = 0; i < end; i++) {
      if (t.charCodeAt(i) === 46) { end = i; break; } // up to the first '.'
    }
    var part = 0, len = 0, value = 0, h = 0, m = 0;
    for (i = 0; i < end; i++) {
      c = t.charCodeAt(i);
      if (c === 58) {
        if (len === 0 || part === 2) return false;
        if (part === 0) h = value; else m = value;
        part++;
        len = 0;
        value = 0;
      } else if (c >= 48 && c <= 57) {
        if (++len > 2) return false;
        value = value * 10 + (c - 48);
      } else {
        return false;
      }
    }
    if (len === 0 || part === 0) return false;
    var s = 0;
    if (part === 1) m = value; else s = value;
    if (h >= 24 || m >= 60 || s >= 60) return false;
    H = h; M = m; S = s;
    return true;
  }

  /**
   * datetime.rs parse_datetime + to_canonical: `2024-09-01 10:10`, `01.09.2024 10:10`,
   * `2024-09-01T10:10:05Z`, `1/9/2024`, ... as `YYYY-MM-DD HH:MM:SS`; null when unreadable.
   * `text` is already trimmed.
   */
  function canonicalDatetime(text) {
    var n = text.length, i, c;
    var sep = n;
    for (i = 0; i < n; i++) {
      c = text.charCodeAt(i);
      if (c === 84 || c === 32) { sep = i; break; } // split_once(['T', ' '])
    }
    var part = 0, value = 0, len = 0;
    var n0 = 0, n1 = 0, l0 = 0;
    for (i = 0; i < sep; i++) {
      c = text.charCodeAt(i);
      if (c === 45 || c === 47 || c === 46) { // '-' '/' '.'
        if (len === 0 || part === 2) return null;
        if (part === 0) { n0 = value; l0 = len; } else { n1 = value; }
        part++;
        value = 0;
        len = 0;
      } else if (c >= 48 && c <= 57) {
        if (++len > 9) return null; // parts of more than 9 digits are no date
        value = value * 10 + (c - 48);
      } else {
        return null;
      }
    }
    if (part !== 2 || len === 0) return null;
    var year, month, day;
    if (l0 === 4) {
      year = n0; month = n1; day = value;
    } else if (len === 4) {
      year = value;
      if (n1 > 12 && n0 <= 12) { month = n0; day = n1; } else { month = n1; day = n0; }
    } else {
      return null;
    }
    if (year < 1000 || year > 9999 || month < 1 || month > 12 || day === 0 || day > daysInMonth(year, month)) return null;
    if (sep === n) {
      H = 0; M = 0; S = 0;
    } else {
      var time = trim(text.slice(sep + 1));
      if (time.length === 0) { H = 0; M = 0; S = 0; }
      else if (!parseTime(time)) return null;
    }
    return year + '-' + PAD2[month] + '-' + PAD2[day] + ' ' + PAD2[H] + ':' + PAD2[M] + ':' + PAD2[S];
  }

  /** engage.rs parse_bool (after to_ascii_lowercase). */
  function parseBool(text) {
    var t = text.replace(/[A-Z]+/g, function (m) { return m.toLowerCase(); });
    switch (t) {
      case 'true': case 'yes': case 'y': case '1': case 't': case 'on': case 'jā': case 'ja': return true;
      case 'false': case 'no': case 'n': case '0': case 'f': case 'off': case 'nē': case 'ne': return false;
      default: return null;
    }
  }

  // ---- Validation and payload ----------------------------------------------------

  /**
   * A validator for a file with these header cells: feed it the data rows (arrays of
   * cell strings), then call finish().
   */
  function Prepare(headerCells, sink) {
    var headers = [];
    for (var h = 0; h < headerCells.length; h++) headers.push(trim(String(headerCells[h])));
    var columnOf = {};
    for (var m = 0; m < MAPPING.length; m++) {
      var col = headers.indexOf(MAPPING[m][0]);
      if (col >= 0) columnOf[MAPPING[m][1]] = col;
    }
    var participant = [], submission = [];
    for (var f = 0; f < FIELDS.length; f++) {
      var key = FIELDS[f][0];
      if (!(key in columnOf)) continue;
      var dot = key.indexOf('.');
      var field = { name: key.slice(dot + 1), col: columnOf[key], kind: FIELDS[f][1] };
      (key.slice(0, dot) === 'participant' ? participant : submission).push(field);
    }
    var answers = [];
    for (m = 0; m < MAPPING.length; m++) {
      var k = MAPPING[m][1];
      if (k.indexOf(ANSWERS_PREFIX) === 0 && k in columnOf) answers.push({ name: trim(k.slice(ANSWERS_PREFIX.length)), col: columnOf[k] });
    }
    var identifiers = [];
    for (var d = 0; d < IDENTIFIERS.length; d++) if (IDENTIFIERS[d] in columnOf) identifiers.push(columnOf[IDENTIFIERS[d]]);

    this.width = headers.length;
    this.values = new Array(headers.length).fill('');
    this.participant = participant;
    this.submission = submission;
    this.answers = answers;
    this.identifiers = identifiers;
    this.itemColumn = 'submission.partner_item_id' in columnOf ? columnOf['submission.partner_item_id'] : -1;
    this.items = new Set();
    this.batch = [];
    this.encoder = new TextEncoder();
    this.sink = sink || null;
    this.rows = 0;
    this.valid = 0;
    this.skipped = 0;
    this.warnings = 0;
    this.payloadBytes = 0;
    this.batches = 0;
  }

  /** Checks one data row; returns false when it is blank (not a row). */
  Prepare.prototype.row = function (cells) {
    var values = this.values, width = this.width, n = cells.length, any = false, c, t;
    for (c = 0; c < n; c++) {
      t = cells[c];
      if (t.length !== 0) {
        t = trim(t);
        if (t.length !== 0) any = true;
      }
      if (c < width) values[c] = t;
    }
    if (!any) return false;
    for (; c < width; c++) values[c] = '';
    this.rows++;

    var error = false, i, field, v;
    var participant = {};
    for (i = 0; i < this.participant.length; i++) {
      field = this.participant[i];
      v = values[field.col];
      if (v.length === 0) continue;
      error = putValue(participant, field, v) || error;
    }
    var submission = { activity_slug: ACTIVITY_SLUG };
    for (i = 0; i < this.submission.length; i++) {
      field = this.submission[i];
      v = values[field.col];
      if (v.length === 0) continue;
      error = putValue(submission, field, v) || error;
    }
    var identified = false;
    for (i = 0; i < this.identifiers.length; i++) {
      if (values[this.identifiers[i]].length !== 0) { identified = true; break; }
    }
    if (!identified) error = true;
    if (this.itemColumn >= 0) {
      v = values[this.itemColumn];
      if (v.length !== 0) {
        var seen = this.items.size;
        if (this.items.add(v).size === seen) this.warnings++; // one hash lookup, not two
      }
    }
    if (error) {
      this.skipped++;
      return true;
    }
    var answers = {};
    for (i = 0; i < this.answers.length; i++) {
      v = values[this.answers[i].col];
      if (v.length !== 0) answers[this.answers[i].name] = v;
    }
    submission.answers = answers;
    this.batch.push({ participant: participant, submission: submission });
    this.valid++;
    if (this.batch.length === BATCH_SIZE) this.flush();
    return true;
  };

  /** Puts a present value into its object; returns true when it is an error. */
  function putValue(object, field, v) {
    switch (field.kind) {
      case EMAIL:
        if (!isValidEmail(v)) return true;
        object[field.name] = v;
        return false;
      case DATETIME:
        var dt = canonicalDatetime(v);
        if (dt === null) return true;
        object[field.name] = dt;
        return false;
      case BOOLEAN:
        var b = parseBool(v);
        if (b === null) return true;
        object[field.name] = b;
        return false;
      default:
        object[field.name] = v;
        return false;
    }
  }

  Prepare.prototype.flush = function () {
    if (this.batch.length === 0) return;
    var json = JSON.stringify({ records: this.batch });
    this.payloadBytes += this.encoder.encode(json).length;
    this.batches++;
    if (this.sink) this.sink(json);
    this.batch = [];
  };

  Prepare.prototype.finish = function () {
    this.flush();
    return {
      rows: this.rows,
      valid: this.valid,
      skipped: this.skipped,
      warnings: this.warnings,
      payload_bytes: this.payloadBytes,
      batches: this.batches
    };
  };

  /** Checks rows[from..] where the header is the first row with text. */
  function prepareTable(rows, sink) {
    var i = 0;
    for (; i < rows.length; i++) {
      var r = rows[i], blank = true;
      for (var c = 0; c < r.length; c++) if (trim(String(r[c])).length !== 0) { blank = false; break; }
      if (!blank) break;
    }
    if (i === rows.length) throw new Error('the file has no rows');
    var prepare = new Prepare(rows[i], sink);
    for (i++; i < rows.length; i++) prepare.row(rows[i]);
    return prepare.finish();
  }

  // ---- The three pipelines ---------------------------------------------------------

  function papaparse(buffer, sink) {
    var text = new TextDecoder().decode(buffer);
    var parsed = Papa.parse(text, { skipEmptyLines: true });
    text = null;
    return prepareTable(parsed.data, sink);
  }

  function udsv(buffer, sink) {
    var text = new TextDecoder().decode(buffer);
    var schema = uDSV.inferSchema(text);
    var parser = uDSV.initParser(schema);
    var rows = parser.stringArrs(text);
    text = null;
    var prepare = new Prepare(schema.cols.map(function (col) { return col.name; }), sink);
    for (var i = 0; i < rows.length; i++) prepare.row(rows[i]);
    return prepare.finish();
  }

  function sheetjs(buffer, sink) {
    var book = XLSX.read(new Uint8Array(buffer), { type: 'array' });
    var sheet = book.Sheets[book.SheetNames[0]];
    var rows = XLSX.utils.sheet_to_json(sheet, { header: 1, raw: false, defval: '' });
    book = null;
    return prepareTable(rows, sink);
  }

  root.FerryPeers = {
    papaparse: papaparse,
    udsv: udsv,
    sheetjs: sheetjs,
    // For tests.
    _isValidEmail: isValidEmail,
    _canonicalDatetime: canonicalDatetime,
    _trim: trim
  };
})(typeof self !== 'undefined' ? self : globalThis);
