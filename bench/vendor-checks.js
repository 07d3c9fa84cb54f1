/*
 * The PapaParse importer's checks for `cargo xtask bench`: the same rules Ferry applies to
 * each of its four platforms, written as a competent JavaScript developer would (plain
 * loops, one Set per cross-row rule), so the counts equal the ones Ferry's review shows
 * for the same file and mapping.
 *
 * A classic script (no modules): load it with importScripts() in a Web Worker, or
 * evaluate it in node. It defines `FerryChecks.checker(vendor, headerCells)`, which
 * returns {row(cells) → false for a blank row, finish() → {rows, ready, held, warnings}}.
 * `vendor` is one of 'engage', 'lumi-say', 'participant-kit', 'engaging-networks'.
 *
 * Ported from ferry-core (text.rs `is_valid_email`, datetime.rs `parse_datetime`, and
 * each vendor's `Preparer` in vendors/*.rs):
 *
 * - every cell is trimmed as Rust's str::trim does (Unicode White_Space); a blank cell is
 *   absent; rows with no text at all are left out and not counted;
 * - Engage: an invalid e-mail, an unreadable created_at, an unreadable update_profile, or
 *   no participant_id / national_id / email holds the row; a partner_item_id seen on an
 *   earlier row is a warning;
 * - Lumi Say: no username, a username with characters outside `A-Z a-z 0-9 . _ - @`, a
 *   phone with characters other than 0-9 and +, an invalid e-mail, or neither phone nor
 *   e-mail holds the row; a username seen on an earlier row is a warning;
 * - Participant Kit (participants): no name, no e-mail or an invalid one holds the row;
 *   an e-mail (ASCII-lowercased) seen on an earlier row is a warning;
 * - Engaging Networks (supporters): a cell of the format with `|`, `"`, `\` or `!`, or
 *   an invalid e-mail in a column whose name says e-mail, holds the row.
 *
 * The mapping is the one Ferry suggests for the bench file's header (MAPPINGS below): an
 * importer written for a known file is configured with it.
 */
(function (root) {
  'use strict';

  /** Each vendor's mapping: header → field, as Ferry suggests it for the bench file. */
  var MAPPINGS = {
    'engage': {
      'Participant ID': 'participant_id',
      'Email': 'email',
      'First name': 'given_name',
      'Last name': 'family_name',
      'Phone': 'phone',
      'Note': 'text',
      'Item ID': 'partner_item_id',
      'Created at': 'created_at'
    },
    'lumi-say': { 'Participant ID': 'username', 'Phone': 'phonenumber', 'Email': 'email' },
    'participant-kit': { 'First name': 'name', 'Email': 'email' },
    'engaging-networks': { 'Email': 'Email Address', 'First name': 'First Name', 'Last name': 'Last Name' }
  };

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

  // ---- The four vendors' checks ------------------------------------------------

  /** Column index of each field, from the header cells and the vendor's mapping. */
  function columnsOf(vendor, headerCells) {
    var mapping = MAPPINGS[vendor];
    if (!mapping) throw new Error('unknown vendor "' + vendor + '"');
    var out = {};
    for (var c = 0; c < headerCells.length; c++) {
      var field = mapping[trim(String(headerCells[c]))];
      if (field !== undefined && !(field in out)) out[field] = c;
    }
    return out;
  }

  /** Col of `field`, or -1. */
  function col(columns, field) {
    return field in columns ? columns[field] : -1;
  }

  /** Whether a username uses only A-Z a-z 0-9 . _ - @. */
  var USERNAME = /^[A-Za-z0-9._\-@]*$/;
  /** Whether a phone uses only 0-9 and +. */
  var LUMI_PHONE = /^[0-9+]*$/;
  /** Engaging Networks' risky characters. */
  var RISKY = /[|"\\!]/;

  /** Adds `value` to `set`; true when it was there already (one lookup). */
  function seenBefore(set, value) {
    var size = set.size;
    return set.add(value).size === size;
  }

  /** Each vendor's row check: (values, state) → 0 ready, 1 held; state.warnings counted. */
  var RULES = {
    'engage': function (columns) {
      var email = col(columns, 'email'), created = col(columns, 'created_at'), item = col(columns, 'partner_item_id');
      var update = col(columns, 'update_profile');
      var ids = ['participant_id', 'national_id', 'email'].map(function (f) { return col(columns, f); }).filter(function (c) { return c >= 0; });
      var items = new Set();
      return function (v, state) {
        var error = false;
        if (email >= 0 && v[email].length !== 0 && !isValidEmail(v[email])) error = true;
        if (created >= 0 && v[created].length !== 0 && canonicalDatetime(v[created]) === null) error = true;
        if (update >= 0 && v[update].length !== 0 && parseBool(v[update]) === null) error = true;
        var identified = false;
        for (var i = 0; i < ids.length; i++) if (v[ids[i]].length !== 0) { identified = true; break; }
        if (!identified) error = true;
        if (item >= 0 && v[item].length !== 0 && seenBefore(items, v[item])) state.warnings++;
        return error;
      };
    },
    'lumi-say': function (columns) {
      var user = col(columns, 'username'), phone = col(columns, 'phonenumber'), email = col(columns, 'email');
      var usernames = new Set();
      return function (v, state) {
        var error = false;
        var u = user >= 0 ? v[user] : '';
        if (u.length === 0 || !USERNAME.test(u)) error = true;
        else if (seenBefore(usernames, u)) state.warnings++;
        var p = phone >= 0 ? v[phone] : '', e = email >= 0 ? v[email] : '';
        if (p.length !== 0 && !LUMI_PHONE.test(p)) error = true;
        if (e.length !== 0 && !isValidEmail(e)) error = true;
        if (p.length === 0 && e.length === 0) error = true;
        return error;
      };
    },
    'participant-kit': function (columns) {
      var name = col(columns, 'name'), email = col(columns, 'email');
      var emails = new Set();
      return function (v, state) {
        var error = name < 0 || v[name].length === 0;
        var e = email >= 0 ? v[email] : '';
        if (e.length === 0 || !isValidEmail(e)) error = true;
        else if (seenBefore(emails, e.replace(/[A-Z]+/g, function (m) { return m.toLowerCase(); }))) state.warnings++;
        return error;
      };
    },
    'engaging-networks': function (columns) {
      var cells = [];
      for (var field in columns) cells.push({ col: columns[field], email: /email/.test(field.toLowerCase().replace(/[^a-z0-9]/g, '')) });
      return function (v) {
        var error = false;
        for (var i = 0; i < cells.length; i++) {
          var t = v[cells[i].col];
          if (t.length === 0) continue;
          if (RISKY.test(t)) error = true;
          if (cells[i].email && !isValidEmail(t)) error = true;
        }
        return error;
      };
    }
  };

  /** A check of the data rows under `headerCells` for `vendor`. */
  function Checker(vendor, headerCells) {
    this.width = headerCells.length;
    this.values = new Array(this.width).fill('');
    this.rule = RULES[vendor](columnsOf(vendor, headerCells));
    this.state = { warnings: 0 };
    this.rows = 0;
    this.ready = 0;
    this.held = 0;
  }

  /** Checks one data row; returns false when it is blank (not a row). */
  Checker.prototype.row = function (cells) {
    var values = this.values, width = this.width, n = cells.length, any = false, c, t;
    for (c = 0; c < n && c < width; c++) {
      t = cells[c];
      if (t.length !== 0) {
        t = trim(t);
        if (t.length !== 0) any = true;
      }
      values[c] = t;
    }
    for (; c < n && !any; c++) if (trim(cells[c]).length !== 0) any = true;
    if (!any) return false;
    for (c = Math.min(n, width); c < width; c++) values[c] = '';
    this.rows++;
    if (this.rule(values, this.state)) this.held++;
    else this.ready++;
    return true;
  };

  Checker.prototype.finish = function () {
    return { rows: this.rows, ready: this.ready, held: this.held, warnings: this.state.warnings };
  };

  root.FerryChecks = {
    checker: function (vendor, headerCells) { return new Checker(vendor, headerCells); },
    vendors: Object.keys(MAPPINGS),
    // For tests.
    _isValidEmail: isValidEmail,
    _canonicalDatetime: canonicalDatetime,
    _trim: trim
  };
})(typeof self !== 'undefined' ? self : globalThis);
