/* vnreport review pages (inlined into review/index.html and every review/<doc_id>.html).
 *
 * Decisions are kept in localStorage under the key the page carries (data.key, "vnreport.review/<doc_id>"):
 * {v: 2, doc_id, updated, decisions: {id: {d, v, n, f}}} with d "ok" | "wrong" | "fix" | "" ("" = a decision
 * applied in the tables, cleared here), v the corrected value of a fix, n a note, f the fingerprint of the row the
 * decision was made on. A decision is applied only to a row with the same id and fingerprint: a later run that
 * extracts the same row keeps it, a changed row never inherits it silently (such stale decisions are kept apart,
 * counted and can be discarded). Decisions already merged by `vnreport apply` (the rows' `review` column) are the
 * initial state; the browser's decisions are layered on top.
 * Export: decisions.csv, "id,decision,value,note", UTF-8 with BOM, every row with a decision in force.
 *
 * Every word shown to a person comes from the page's catalogue (<script id="review-i18n">, inlined from
 * review/assets/i18n/<lang>.json when the page was written): t(key, params) looks it up and fills its {name}s.
 * Ids, data attributes, keys and the CSV are the same in every language.
 *
 * A row with a note (a flag in plain words: "ambiguous separators", "read by OCR", a figure that contradicts the
 * report) is a value to check first: the page counts them in its header, its "values to check first" filter shows
 * only them, the side table marks them (the note on hover), their highlights carry a badge, the detail pane says the
 * note in words; the index counts them per document and sorts by them. "#noted" opens a page with that filter on.
 */
(function () {
  'use strict';

  var PREFIX = 'vnreport.review/';
  var KINDS = ['count', 'money', 'percent', 'ratio', 'date', 'period', 'doc_ref'];
  var NO_SECTION = '\u0000none';

  // ------------------------------------------------------------ the page's words

  var STRINGS = (function () {
    var el = document.getElementById('review-i18n');
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  })();

  function has(key) { return Object.prototype.hasOwnProperty.call(STRINGS, key); }

  // the catalogue's string for key, its {name}s filled from params; {one, other} forms chosen by params.n
  function t(key, params) {
    var s = has(key) ? STRINGS[key] : key;
    params = params || {};
    if (s && typeof s === 'object') s = String(params.n) === '1' && s.one !== undefined ? s.one : s.other;
    return String(s).replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(params, k) ? String(params[k]) : m;
    });
  }

  function kindLabel(kind) { return has('kind.' + kind) ? t('kind.' + kind) : String(kind).replace('_', ' '); }

  // the notes the catalogue knows ("note.<the note as written>"), longest first
  var NOTES = Object.keys(STRINGS).filter(function (k) { return k.indexOf('note.') === 0; })
    .map(function (k) { return k.slice(5); }).sort(function (a, b) { return b.length - a.length; });

  // one note in words: the catalogue's string when it knows the note (whatever its case); a note that begins with
  // one it knows ("parts do not add up to this total (12 + 30 ≠ 45)") that note's string and the rest as written;
  // any other note as written (the same rules as templates.note_part)
  function notePart(p) {
    for (var i = 0; i < NOTES.length; i++) {
      var k = NOTES[i], n = k.length;
      if (p.slice(0, n).toLowerCase() === k.toLowerCase() && (p.length === n || !/[\p{L}\p{N}]/u.test(p.charAt(n)))) {
        return t('note.' + k) + p.slice(n);
      }
    }
    return p;
  }

  function noteParts(note) { return note ? String(note).split('; ') : []; }

  // a row's note (its notes joined with "; ") in words
  function noteText(note) { return noteParts(note).map(notePart).join('; '); }

  var APPLY_CMD = ' <code>vnreport apply OUTDIR decisions.csv</code>.';

  // ------------------------------------------------------------ shared helpers

  function $(sel, root) { return (root || document).querySelector(sel); }

  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // case- and accent-insensitive text for the search (Vietnamese typed without diacritics still matches)
  function fold(s) {
    return String(s == null ? '' : s).normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd').toLowerCase();
  }

  // a number as the page shows it: digits grouped by thin spaces when the whole part is long (862 796 456);
  // the data, the editor and the export keep the value as it is
  function pretty(kind, v) {
    if ((kind === 'count' || kind === 'money') && /^-?\d{5,}(\.\d+)?$/.test(v)) {
      var m = /^(-?)(\d+)(\.\d+)?$/.exec(v);
      return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f') + (m[3] || '');
    }
    return v;
  }

  function idNumber(id) {
    var m = /:(\d+)$/.exec(id);
    return m ? parseInt(m[1], 10) : 0;
  }

  function csvField(s) {
    s = String(s == null ? '' : s);
    return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function toCSV(lines) {
    var out = ['id,decision,value,note'];
    lines.forEach(function (l) { out.push(l.map(csvField).join(',')); });
    return out.join('\n') + '\n';
  }

  // the export button's download: a Blob link named decisions.csv (UTF-8 with BOM, so Excel reads Vietnamese)
  function download(text, name) {
    var blob = new Blob(['\ufeff' + text], { type: 'text/csv;charset=utf-8' });
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = name || 'decisions.csv';
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    return blob;
  }

  function loadDecisions(key) {
    try {
      var raw = localStorage.getItem(key);
      var obj = raw ? JSON.parse(raw) : null;
      return obj && obj.decisions && typeof obj.decisions === 'object' ? obj.decisions : {};
    } catch (e) {
      return {};
    }
  }

  function saveDecisions(key, docId, decisions) {
    try {
      if (Object.keys(decisions).length) {
        localStorage.setItem(key, JSON.stringify({
          v: 2, doc_id: docId, updated: new Date().toISOString(), decisions: decisions
        }));
      } else {
        localStorage.removeItem(key);
      }
      return true;
    } catch (e) {
      return false;
    }
  }

  // an entry worth keeping: a decision (or a cleared applied one) or a note
  function meaningful(e) {
    return !!e && (Object.prototype.hasOwnProperty.call(e, 'd') || Object.prototype.hasOwnProperty.call(e, 'n'));
  }

  // stored entries → {live: those made on these very rows, stale: the others}; fp(id) is the row's fingerprint
  function splitStored(stored, fp) {
    var live = {}, stale = {};
    Object.keys(stored).forEach(function (id) {
      var e = stored[id];
      if (!e || typeof e !== 'object') return;
      if (fp(id) !== undefined && e.f === fp(id)) live[id] = e; else if (meaningful(e)) stale[id] = e;
    });
    return { live: live, stale: stale };
  }

  // the decision in force: the applied one (from the tables) with the browser's on top
  function effective(local, applied) {
    var d = null, v = '', n = '';
    if (applied) { d = applied.d; v = applied.v || ''; n = applied.n || ''; }
    if (local) {
      if (Object.prototype.hasOwnProperty.call(local, 'd')) { d = local.d || null; v = local.v || ''; }
      if (Object.prototype.hasOwnProperty.call(local, 'n')) n = local.n;
    }
    return { d: d, v: d === 'fix' ? v : '', n: n };
  }

  function setBar(bar, counts, total) {
    if (!bar) return;
    ['ok', 'fix', 'wrong'].forEach(function (k) {
      var i = bar.querySelector('.' + k);
      if (i) i.style.width = (total ? 100 * counts[k] / total : 0) + '%';
    });
  }

  function progressDetail(c) {
    var parts = [];
    if (c.ok) parts.push(t('progress.ok', { n: c.ok }));
    if (c.fix) parts.push(t('progress.fix', { n: c.fix }));
    if (c.wrong) parts.push(t('progress.wrong', { n: c.wrong }));
    return parts.join(' · ');
  }

  function noticeFn() {
    var box = $('#notice');
    var timer = 0;
    return function (html, sticky) {
      clearTimeout(timer);
      if (!html) { box.hidden = true; box.innerHTML = ''; return; }
      box.innerHTML = html;
      box.hidden = false;
      if (!sticky) timer = setTimeout(function () { box.hidden = true; }, 6000);
    };
  }

  // the forms `vnreport apply` accepts for a fix (pipeline/outputs/decisions.py VALUE_FORMS): the editor refuses
  // anything else, so an exported decisions.csv always applies
  // (the form each expects, in words: the catalogue's form.<kind>)
  var VALID = {
    count: /^-?\d+(\.\d+)?$/,
    percent: /^-?\d+(\.\d+)?$/,
    money: /^-?\d+$/,
    ratio: /^\d+(\.\d+)?\/\d+(\.\d+)?$/,
    date: /^(\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|--\d{2}-\d{2})$/,
    period: /^\d{4}(-\d{2}(-\d{2})?)?\/\d{4}(-\d{2}(-\d{2})?)?$/,
    doc_ref: /^\S+$/
  };

  function validate(kind, v) {
    if (!v) return t('editor.empty');
    var rule = VALID[kind];
    return rule && !rule.test(v) ? t('editor.expected', { form: t('form.' + kind) }) : '';
  }

  // ------------------------------------------------------------ document page

  function initDocument() {
    var t0 = performance.now();
    var data = JSON.parse($('#review-data').textContent);
    var notice = noticeFn();
    var rows = data.rows.map(function (a, i) {
      var r = {};
      data.fields.forEach(function (f, j) { r[f] = a[j] == null ? '' : String(a[j]); });
      r.i = i;
      r.n = idNumber(r.id);
      r.orig = r.value_extracted || r.value; // the value as extracted (after apply, value holds a fix)
      r.hay = fold([r.id, r.value, r.orig, r.unit, r.qualifier, r.per, r.text, r.context, r.doc_type, r.ref_date,
        r.section_path, r.section_title, r.row, r.col, r.note, r.note && noteText(r.note), r.kind, r.origin].join(' \u0001 '));
      return r;
    });
    var byId = new Map(rows.map(function (r) { return [r.id, r]; }));
    var applied = {};
    rows.forEach(function (r) {
      if (r.review === 'ok' || r.review === 'wrong') applied[r.id] = { d: r.review, n: r.review_note };
      else if (r.review === 'fixed') applied[r.id] = { d: 'fix', v: r.value, n: r.review_note };
    });
    var sections = data.sections.map(function (a, i) {
      var s = {};
      data.section_fields.forEach(function (f, j) { s[f] = a[j] == null ? '' : String(a[j]); });
      s.i = i;
      return s;
    });

    var marks = new Map();
    document.querySelectorAll('#text mark[data-id]').forEach(function (m) {
      var id = m.getAttribute('data-id');
      var list = marks.get(id);
      if (!list) marks.set(id, list = []);
      list.push(m);
    });
    // a value to check first stands out in the text: its highlight outlined, a badge after its last piece
    var noted = rows.filter(function (r) { return r.note; });
    noted.forEach(function (r) {
      var list = marks.get(r.id) || [];
      list.forEach(function (m) { m.classList.add('noted'); m.title = noteText(r.note); });
      if (list.length) list[list.length - 1].classList.add('noted-end');
    });

    var key = data.key;
    var fpOf = function (id) { var r = byId.get(id); return r ? r.fp : undefined; };
    var split = splitStored(loadDecisions(key), fpOf);
    var local = split.live, stale = split.stale;
    var pane = $('#doc-pane');
    var wrap = $('#table-wrap');
    var tbody = $('#rows');
    var detail = $('#detail');
    var search = $('#q');
    var sel = { kind: $('#f-kind'), section: $('#f-section'), origin: $('#f-origin'), state: $('#f-state') };
    var notedBox = $('#f-noted');
    var f = { q: '', kind: '', section: '', origin: '', state: '', noted: false };
    var lazy = rows.length > data.lazy_rows;
    var filtered = rows.slice();
    var posOf = new Map(rows.map(function (r, i) { return [r.id, i]; }));
    var trMap = new Map();
    var selectedId = null;
    var editing = null;
    var rowH = 30, theadH = 29;
    var vStart = -1, vEnd = -1;
    var OVER = 30, CHUNK = 20;

    function eff(r) { return effective(local[r.id], applied[r.id]); }
    function shownValue(r) { var e = eff(r); return e.d === 'fix' ? e.v : r.orig; }

    // ---- filters

    KINDS.forEach(function (k) {
      var n = rows.filter(function (r) { return r.kind === k; }).length;
      if (!n) return;
      var o = document.createElement('option');
      o.value = k;
      o.textContent = t('filter.option', { label: kindLabel(k), n: n });
      sel.kind.appendChild(o);
    });
    var counts = {};
    rows.forEach(function (r) {
      var p = r.section_path;
      if (!p) { counts[NO_SECTION] = (counts[NO_SECTION] || 0) + 1; return; }
      var parts = p.split(' > ');
      for (var j = 1; j <= parts.length; j++) {
        var q = parts.slice(0, j).join(' > ');
        counts[q] = (counts[q] || 0) + 1;
      }
    });
    sections.forEach(function (s) {
      var o = document.createElement('option');
      var title = s.title.length > 60 ? s.title.slice(0, 58) + '…' : s.title;
      o.value = s.section_path;
      o.textContent = '\u00a0\u00a0'.repeat(parseInt(s.level, 10) || 0) + s.label + (title ? ' ' + title : '') +
        ' (' + (counts[s.section_path] || 0) + ')';
      o.dataset.sec = s.i;
      sel.section.appendChild(o);
    });
    if (counts[NO_SECTION]) {
      var o = document.createElement('option');
      o.value = NO_SECTION;
      o.textContent = t('filter.outside', { n: counts[NO_SECTION] });
      sel.section.appendChild(o);
    }

    function matches(r, terms) {
      if (f.noted && !r.note) return false;
      if (f.kind && r.kind !== f.kind) return false;
      if (f.origin && r.origin !== f.origin) return false;
      if (f.section) {
        if (f.section === NO_SECTION) { if (r.section_path) return false; }
        else if (r.section_path !== f.section && r.section_path.indexOf(f.section + ' > ') !== 0) return false;
      }
      if (f.state) {
        var d = eff(r).d;
        if (f.state === 'todo' ? d : f.state === 'done' ? !d : d !== f.state) return false;
      }
      if (terms.length) {
        var hay = r.hay + ' ' + fold(shownValue(r)) + ' ' + fold(eff(r).n);
        for (var i = 0; i < terms.length; i++) if (hay.indexOf(terms[i]) < 0) return false;
      }
      return true;
    }

    function anyFilter() { return !!(f.q || f.kind || f.section || f.origin || f.state || f.noted); }

    function applyFilters() {
      var terms = fold(f.q).split(/\s+/).filter(Boolean);
      filtered = rows.filter(function (r) { return matches(r, terms); });
      posOf = new Map(filtered.map(function (r, i) { return [r.id, i]; }));
      var on = anyFilter();
      document.body.classList.toggle('filtering', on);
      if (on) marks.forEach(function (ms, id) {
        var m = posOf.has(id);
        ms.forEach(function (el) { el.classList.toggle('match', m); });
      });
      Object.keys(sel).forEach(function (k) { sel[k].classList.toggle('set', !!f[k]); });
      notedBox.checked = f.noted;
      notedBox.parentNode.classList.toggle('on', f.noted);
      document.querySelectorAll('#legend .chip').forEach(function (c) {
        c.classList.toggle('active', f.kind === c.dataset.kind);
        c.classList.toggle('off', !!f.kind && f.kind !== c.dataset.kind);
      });
      $('#shown').textContent = t('filter.shown', { n: filtered.length, total: rows.length });
      $('#clear-filters').hidden = !on;
      wrap.scrollTop = 0;
      render(true);
    }

    function clearFilters() {
      f.q = f.kind = f.section = f.origin = f.state = '';
      f.noted = false;
      search.value = '';
      Object.keys(sel).forEach(function (k) { sel[k].value = ''; });
      applyFilters();
    }

    search.addEventListener('input', function () { f.q = search.value; applyFilters(); });
    search.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        search.blur();
        if (filtered.length) select(filtered[0].id);
      }
    });
    Object.keys(sel).forEach(function (k) {
      sel[k].addEventListener('change', function () {
        f[k] = sel[k].value;
        applyFilters();
        if (k === 'section' && f.section && f.section !== NO_SECTION) {
          var opt = sel.section.selectedOptions[0];
          var h = opt && document.getElementById('sec-' + opt.dataset.sec);
          if (h) pane.scrollTop += h.getBoundingClientRect().top - pane.getBoundingClientRect().top - 24;
        }
        sel[k].blur(); // keys go back to the page
      });
    });
    $('#clear-filters').addEventListener('click', clearFilters);

    // the values to check first: the filter's box, and the count in the header (a click turns the filter on)
    function showNoted(on) {
      f.noted = !!on && noted.length > 0;
      applyFilters();
    }
    notedBox.addEventListener('change', function () {
      showNoted(notedBox.checked);
      notedBox.blur(); // keys go back to the page
    });
    var notedHead = $('#noted-head');
    if (notedHead) notedHead.addEventListener('click', function () {
      showNoted(true);
      notedHead.blur();
      if (filtered.length && (!selectedId || !posOf.has(selectedId))) select(filtered[0].id);
    });

    document.querySelectorAll('#legend .chip[data-kind]').forEach(function (c) {
      c.addEventListener('click', function () {
        f.kind = f.kind === c.dataset.kind ? '' : c.dataset.kind;
        sel.kind.value = f.kind;
        applyFilters();
        c.blur();
      });
    });

    // ---- table

    function rowHTML(r) {
      var e = eff(r);
      var v = e.d === 'fix' ? esc(pretty(r.kind, e.v)) + '<span class="was">' + esc(pretty(r.kind, r.orig)) + '</span>'
        : esc(pretty(r.kind, r.orig));
      return '<tr data-id="' + esc(r.id) + '" data-kind="' + esc(r.kind) + '" class="r' +
        (r.note ? ' noted' : '') + (r.id === selectedId ? ' selected' : '') + '"' + (e.d ? ' data-state="' + e.d + '"' : '') + '>' +
        '<td class="st"></td>' +
        (r.note ? '<td class="fl" title="' + esc(noteText(r.note)) + '"><span class="nb">!</span></td>' : '<td class="fl"></td>') +
        '<td class="n">' + r.n + '</td>' +
        '<td class="k"><span class="tag k-' + esc(r.kind) + '">' + esc(kindLabel(r.kind)) + '</span></td>' +
        '<td class="v">' + v + '</td><td class="u">' + esc(r.unit) + '</td><td class="t">' + esc(r.text) + '</td></tr>';
    }

    var NCOLS = 7;

    function padRow(h) { return '<tr class="pad" style="height:' + h + 'px"><td colspan="' + NCOLS + '"></td></tr>'; }

    function indexRows() {
      trMap = new Map();
      tbody.querySelectorAll('tr.r').forEach(function (tr) { trMap.set(tr.getAttribute('data-id'), tr); });
    }

    function render(force) {
      editing = null;
      if (!filtered.length) {
        tbody.innerHTML = '<tr class="pad"><td colspan="' + NCOLS + '" class="empty-table">' + esc(t('filter.none')) + '</td></tr>';
        trMap = new Map();
        vStart = vEnd = -1;
        return;
      }
      if (!lazy) {
        tbody.innerHTML = filtered.map(rowHTML).join('');
        indexRows();
        return;
      }
      var n = filtered.length;
      var top = Math.max(0, wrap.scrollTop - theadH);
      var start = Math.max(0, Math.floor(top / rowH) - OVER);
      start -= start % CHUNK;
      var end = Math.min(n, Math.ceil((top + wrap.clientHeight) / rowH) + OVER);
      end = Math.min(n, end + (CHUNK - end % CHUNK) % CHUNK);
      if (!force && start === vStart && end === vEnd) return;
      vStart = start;
      vEnd = end;
      tbody.innerHTML = (start ? padRow(start * rowH) : '') + filtered.slice(start, end).map(rowHTML).join('') +
        (end < n ? padRow((n - end) * rowH) : '');
      indexRows();
    }

    function measure() {
      var th = $('thead', wrap);
      if (th) theadH = th.getBoundingClientRect().height || theadH;
      var tr = tbody.querySelector('tr.r');
      var h = tr && tr.getBoundingClientRect().height;
      if (h) rowH = h;
    }

    if (lazy) {
      var raf = 0;
      wrap.addEventListener('scroll', function () {
        if (!raf) raf = requestAnimationFrame(function () { raf = 0; render(false); });
      }, { passive: true });
      window.addEventListener('resize', function () { render(true); });
    }

    function updateRow(r) {
      var tr = trMap.get(r.id);
      if (tr) {
        var tmp = document.createElement('tbody');
        tmp.innerHTML = rowHTML(r);
        var nu = tmp.firstChild;
        tr.replaceWith(nu);
        trMap.set(r.id, nu);
      }
      var e = eff(r);
      (marks.get(r.id) || []).forEach(function (m) {
        if (e.d) m.setAttribute('data-state', e.d); else m.removeAttribute('data-state');
      });
    }

    function ensureRowVisible(id) {
      var pos = posOf.get(id);
      if (pos === undefined) return;
      var wr = wrap.getBoundingClientRect();
      if (lazy) {
        var y = theadH + pos * rowH;
        if (y < wrap.scrollTop + theadH || y + rowH > wrap.scrollTop + wrap.clientHeight) {
          wrap.scrollTop = Math.max(0, y - wrap.clientHeight / 2);
        }
        render(false);
      }
      var tr = trMap.get(id);
      if (!tr) return;
      var r = tr.getBoundingClientRect();
      if (r.top < wr.top + theadH || r.bottom > wr.bottom) {
        wrap.scrollTop += r.top - (wr.top + wr.height / 2);
        if (lazy) render(false);
      }
    }

    // ---- the document's tables: one wider than its box keeps the columns naming its rows (class c0, c1) in view

    var grids = [].slice.call(document.querySelectorAll('#text .grid'));
    function layoutGrids() {
      grids.forEach(function (g) {
        var labels = parseInt(g.getAttribute('data-labels'), 10) || 0;
        var wide = labels > 0 && g.scrollWidth > g.clientWidth + 1;
        g.classList.toggle('wide', wide);
        if (!wide) return;
        var c0 = g.querySelector('tbody td.c0:not([colspan])') || g.querySelector('.c0');
        g.style.setProperty('--c1', (c0 ? c0.getBoundingClientRect().width : 0) + 'px');
        g.querySelectorAll('.last-label').forEach(function (c) { c.classList.remove('last-label'); });
        g.querySelectorAll(labels > 1 ? '.c1, .c0[colspan]' : '.c0').forEach(function (c) { c.classList.add('last-label'); });
      });
    }
    layoutGrids();
    window.addEventListener('resize', layoutGrids);

    // how much of a table's box its sticky row labels cover, in the row of el
    function stuckWidth(box, el) {
      if (!box.classList.contains('wide')) return 0;
      var tr = el.closest('tr');
      var right = 0;
      if (tr) tr.querySelectorAll('.c0, .c1').forEach(function (c) { right = Math.max(right, c.getBoundingClientRect().right); });
      return right ? right - box.getBoundingClientRect().left : 0;
    }

    // the first piece of the value that shows (a piece may sit in a table's hidden separator)
    function shownMark(id) {
      var list = marks.get(id) || [];
      for (var i = 0; i < list.length; i++) if (list[i].getClientRects().length) return list[i];
      return list[0];
    }

    function ensureMarkVisible(id) {
      var m = shownMark(id);
      if (!m) return;
      // a value in a table: first scroll the table's own box (wide tables scroll sideways, tall ones down under
      // their sticky header), then the document pane
      var box = m.closest('.grid');
      if (box) {
        var br = box.getBoundingClientRect();
        var r0 = m.getBoundingClientRect();
        var head = box.querySelector('thead');
        var hh = head ? head.getBoundingClientRect().height : 0;
        var stuck = m.closest('.c0, .c1') ? 0 : stuckWidth(box, m);
        if (r0.left < br.left + stuck || r0.right > br.right) {
          box.scrollLeft += r0.left - br.left - stuck - (br.width - stuck) / 2 + r0.width / 2;
        }
        if (r0.top < br.top + hh || r0.bottom > br.bottom) {
          box.scrollTop += r0.top - br.top - hh - (br.height - hh) / 2 + r0.height / 2;
        }
      }
      var pr = pane.getBoundingClientRect();
      var r = m.getBoundingClientRect();
      if (r.top < pr.top + 30 || r.bottom > pr.bottom - 30) {
        pane.scrollTop += r.top - pr.top - pr.height / 2 + r.height / 2;
      }
    }

    // ---- selection

    function setHash(id) {
      var frag = '#' + encodeURI(id).replace(/#/g, '%23');
      if (location.hash === frag) return;
      try { history.replaceState(null, '', frag); } catch (e) {
        try { location.replace(frag); } catch (e2) { /* keep the old fragment */ }
      }
    }

    function select(id, opts) {
      opts = opts || {};
      var r = byId.get(id);
      if (!r) {
        notice(esc(t('notice.no_value', { id: id })));
        return false;
      }
      if (editing) closeEditor();
      if (!posOf.has(id)) {
        clearFilters();
        notice(esc(t('notice.filters_cleared', { n: r.n })));
      }
      if (selectedId) {
        (marks.get(selectedId) || []).forEach(function (m) { m.classList.remove('selected'); });
        var old = trMap.get(selectedId);
        if (old) old.classList.remove('selected');
      }
      selectedId = id;
      (marks.get(id) || []).forEach(function (m) { m.classList.add('selected'); });
      if (opts.row !== false) ensureRowVisible(id);
      var tr = trMap.get(id);
      if (tr) tr.classList.add('selected');
      if (opts.text !== false) ensureMarkVisible(id);
      showDetail(r);
      setHash(id);
      return true;
    }

    function move(delta) {
      if (!filtered.length) return;
      var pos;
      if (selectedId && posOf.has(selectedId)) {
        pos = posOf.get(selectedId) + delta;
      } else if (selectedId) {
        var i = byId.get(selectedId).i;
        pos = delta > 0 ? filtered.findIndex(function (r) { return r.i > i; }) : -1;
        if (delta < 0) for (var j = filtered.length - 1; j >= 0; j--) if (filtered[j].i < i) { pos = j; break; }
        if (pos < 0) pos = delta > 0 ? filtered.length - 1 : 0;
      } else {
        pos = delta > 0 ? 0 : filtered.length - 1;
      }
      pos = Math.max(0, Math.min(filtered.length - 1, pos));
      select(filtered[pos].id);
    }

    tbody.addEventListener('click', function (ev) {
      if (ev.target.closest('input')) return;
      var tr = ev.target.closest('tr[data-id]');
      if (tr) select(tr.getAttribute('data-id'), { row: false });
    });
    tbody.addEventListener('dblclick', function (ev) {
      if (ev.target.closest('td.v') && !ev.target.closest('input')) openEditor();
    });
    $('#text').addEventListener('click', function (ev) {
      var m = ev.target.closest('mark[data-id]');
      if (m) select(m.getAttribute('data-id'), { text: false });
    });

    // ---- decisions

    function persist() {
      if (!saveDecisions(key, data.doc_id, Object.assign({}, stale, local))) {
        notice(esc(t('notice.no_storage')), true);
      }
    }

    function setDecision(id, d, v) {
      var r = byId.get(id);
      var l = Object.assign({}, local[id] || {});
      var a = applied[id];
      if (!d) {
        if (a) l.d = ''; else delete l.d;
        delete l.v;
      } else {
        l.d = d;
        if (d === 'fix') l.v = v; else delete l.v;
      }
      if (a && l.d === a.d && (a.d !== 'fix' || l.v === a.v)) { delete l.d; delete l.v; }
      l.f = r.fp;
      delete stale[id];
      if (meaningful(l)) local[id] = l; else delete local[id];
      persist();
      updateRow(r);
      updateProgress();
      if (selectedId === id) showDetail(r);
    }

    function toggle(d) {
      if (!selectedId) { move(1); return; }
      var r = byId.get(selectedId);
      setDecision(r.id, eff(r).d === d ? null : d);
    }

    function setNote(id, text) {
      var l = Object.assign({}, local[id] || {});
      var a = applied[id];
      if (text || (a && a.n)) l.n = text; else delete l.n;
      if (a && l.n === (a.n || '')) delete l.n;
      l.f = byId.get(id).fp;
      delete stale[id];
      if (meaningful(l)) local[id] = l; else delete local[id];
      persist();
    }

    function updateProgress() {
      var c = { ok: 0, wrong: 0, fix: 0 };
      rows.forEach(function (r) { var d = eff(r).d; if (d) c[d]++; });
      $('#progress-done').textContent = c.ok + c.wrong + c.fix;
      setBar($('#progress-bar'), c, rows.length);
      $('#progress-detail').textContent = progressDetail(c);
    }

    // ---- editor (e): an input in the row's value cell; Enter saves a fix, Escape cancels

    function openEditor() {
      if (!selectedId) return;
      var r = byId.get(selectedId);
      ensureRowVisible(r.id);
      var tr = trMap.get(r.id);
      if (!tr) return;
      var td = tr.querySelector('td.v');
      var input = document.createElement('input');
      input.type = 'text';
      input.value = shownValue(r);
      input.spellcheck = false;
      input.setAttribute('aria-label', t('editor.label'));
      td.textContent = '';
      td.appendChild(input);
      editing = { id: r.id, input: input };
      var hint = $('.editor-hint', detail);
      function check() {
        var err = validate(r.kind, input.value.trim());
        input.classList.toggle('invalid', !!err);
        if (hint) {
          hint.textContent = err || t('editor.hint');
          hint.classList.toggle('bad', !!err);
        }
        return err;
      }
      if (hint) hint.hidden = false;
      check();
      input.addEventListener('input', check);
      input.addEventListener('keydown', function (ev) {
        ev.stopPropagation();
        if (ev.key === 'Enter') {
          ev.preventDefault();
          if (check()) return;
          var v = input.value.trim();
          editing = null;
          setDecision(r.id, 'fix', v);
        } else if (ev.key === 'Escape') {
          ev.preventDefault();
          closeEditor();
        }
      });
      input.addEventListener('blur', function () {
        if (editing && editing.input === input) closeEditor();
      });
      input.focus();
      input.select();
    }

    function closeEditor() {
      if (!editing) return;
      var r = byId.get(editing.id);
      editing = null;
      updateRow(r);
      var hint = $('.editor-hint', detail);
      if (hint) hint.hidden = true;
    }

    // ---- detail of the selected value

    function emphasise(context, text) {
      var i = context.indexOf(text);
      if (i < 0 || !text) return esc(context);
      return esc(context.slice(0, i)) + '<b>' + esc(text) + '</b>' + esc(context.slice(i + text.length));
    }

    function showDetail(r) {
      var e = eff(r);
      var a = applied[r.id];
      var val = e.d === 'fix' ? e.v : r.orig;
      var h = '<div class="head k-' + esc(r.kind) + '"><span class="tag k-' + esc(r.kind) + '">' +
        esc(kindLabel(r.kind)) + '</span>' +
        (r.qualifier ? '<span class="unit">' + esc(r.qualifier) + '</span>' : '') +
        '<span class="val ' + (e.d || '') + '" title="' + esc(val) + '">' + esc(pretty(r.kind, val)) + '</span>' +
        (e.d === 'fix' ? '<span class="was" title="' + esc(t('detail.extracted')) + '">' + esc(pretty(r.kind, r.orig)) + '</span>' : '') +
        (r.unit && r.unit !== '%' ? '<span class="unit">' + esc(r.unit) + '</span>' : r.unit === '%' ? '<span class="unit">%</span>' : '') +
        (r.per ? '<span class="unit">/ ' + esc(r.per) + '</span>' : '') +
        '<span class="rid">#' + r.n + ' · ' + esc(r.id) + '</span></div>';
      if (r.note) {
        // the note in words, each on its line; as written too where the words differ (the tables hold it so)
        h += '<div class="notes" title="' + esc(r.note) + '"><b class="notes-head"><span class="nb">!</span>' +
          esc(t('detail.flag')) + '</b>' + noteParts(r.note).map(function (p) {
            var w = notePart(p);
            return '<p class="note">' + esc(w) +
              (w !== p ? ' <span class="as-written">' + esc(t('detail.as_written', { note: p })) + '</span>' : '') + '</p>';
          }).join('') + '</div>';
      }
      h += '<dl>';
      if (r.doc_type || r.ref_date) h += '<dt>' + esc(t('detail.ref')) + '</dt><dd>' + esc([r.doc_type, r.ref_date].filter(Boolean).join(', ')) + '</dd>';
      h += '<dt>' + esc(t('detail.section')) + '</dt><dd>' + (r.section_path ? esc(r.section_path) + (r.section_title ? ' — ' + esc(r.section_title) : '') :
        '<i>' + esc(t('detail.outside')) + '</i>' + (r.section_title ? ' — ' + esc(r.section_title) : '')) + '</dd>';
      var where = has('where.' + r.origin) ? t('where.' + r.origin) : r.origin;
      if (r.origin === 'table') {
        where = (r.table ? t('detail.table', { table: r.table }) : where) +
          (r.row ? ' · ' + t('detail.row', { row: r.row }) : '') + (r.col ? ' · ' + r.col : '');
      }
      if (r.page) where += ' · ' + t('detail.page', { page: r.page });
      if (r.total === 'yes') where += ' · ' + t('detail.total_row');
      h += '<dt>' + esc(t('detail.origin')) + '</dt><dd>' + esc(where) + '</dd>';
      h += '<dt>' + esc(t('detail.context')) + '</dt><dd class="ctx k-' + esc(r.kind) + '">' + emphasise(r.context || r.text, r.text) + '</dd></dl>';
      h += '<div class="actions">' +
        '<button type="button" data-act="ok" class="' + (e.d === 'ok' ? 'on' : '') + '">' + esc(t('action.ok')) + '<kbd>a</kbd></button>' +
        '<button type="button" data-act="wrong" class="' + (e.d === 'wrong' ? 'on' : '') + '">' + esc(t('action.wrong')) + '<kbd>x</kbd></button>' +
        '<button type="button" data-act="edit" class="' + (e.d === 'fix' ? 'on' : '') + '">' + esc(t('action.edit')) + '<kbd>e</kbd></button>' +
        (e.d ? '<button type="button" data-act="clear">' + esc(t('action.clear')) + '</button>' : '') +
        (a ? '<span class="applied">' + esc(t('detail.applied', { decision: t('decision.' + a.d, { value: a.v }) })) +
          '</span>' : '') +
        '</div><div class="editor-hint" hidden></div>' +
        '<textarea id="note" placeholder="' + esc(t('detail.note_placeholder')) + '">' + esc(e.n) + '</textarea>';
      detail.innerHTML = h;
      detail.querySelectorAll('.actions button').forEach(function (b) {
        b.addEventListener('click', function () {
          var act = b.dataset.act;
          if (act === 'edit') openEditor();
          else if (act === 'clear') setDecision(r.id, null);
          else toggle(act);
        });
      });
      var note = $('#note', detail);
      note.addEventListener('input', function () { setNote(r.id, note.value); });
      note.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') note.blur(); });
    }

    // ---- keys

    document.addEventListener('keydown', function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
      var t = ev.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) {
        if ((t.tagName === 'BUTTON' || t.type === 'checkbox') && ev.key !== 'Enter' && ev.key !== ' ') t.blur();
        else { if (ev.key === 'Escape' && t.tagName !== 'INPUT') t.blur(); return; }
      }
      var k = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
      if (k === 'j') move(1);
      else if (k === 'k') move(-1);
      else if (k === 'a') toggle('ok');
      else if (k === 'x') toggle('wrong');
      else if (k === 'e') openEditor();
      else if (k === '/') search.focus();
      else return;
      ev.preventDefault();
    });
    search.addEventListener('keydown', function (ev) { if (ev.key === 'Escape' && !search.value) search.blur(); });

    // ---- export

    function decisionsCSV() {
      var lines = [];
      rows.forEach(function (r) {
        var e = eff(r);
        if (e.d) lines.push([r.id, e.d, e.d === 'fix' ? e.v : '', e.n]);
      });
      return toCSV(lines);
    }

    $('#export').addEventListener('click', function () {
      var csv = decisionsCSV();
      var n = csv.split('\n').length - 2;
      download(csv, 'decisions.csv');
      notice(n ? esc(t('notice.exported', { n: n })) + APPLY_CMD : esc(t('notice.export_empty')));
    });

    // another tab of the same document changed the decisions
    window.addEventListener('storage', function (ev) {
      if (ev.key !== key) return;
      split = splitStored(loadDecisions(key), fpOf);
      local = split.live;
      stale = split.stale;
      showStale();
      rows.forEach(function (r) {
        var e = eff(r);
        (marks.get(r.id) || []).forEach(function (m) {
          if (e.d) m.setAttribute('data-state', e.d); else m.removeAttribute('data-state');
        });
      });
      render(true);
      updateProgress();
      if (selectedId) showDetail(byId.get(selectedId));
    });

    // ---- start

    rows.forEach(function (r) {
      var e = eff(r);
      if (e.d) (marks.get(r.id) || []).forEach(function (m) { m.setAttribute('data-state', e.d); });
    });
    render(true);
    if (lazy) { measure(); render(true); }
    updateProgress();
    function showStale() {
      var n = Object.keys(stale).length;
      if (!n) return;
      notice(esc(t('notice.stale', { n: n })) + ' <button type="button" class="link" id="discard-stale">' +
        esc(t('notice.discard')) + '</button>', true);
      $('#discard-stale').addEventListener('click', function () {
        stale = {};
        persist();
        notice('');
      });
    }
    showStale();

    function fromHash() {
      var h = location.hash.slice(1);
      if (!h) return;
      try { h = decodeURIComponent(h); } catch (e) { /* keep it as written */ }
      // "#12" is "<doc_id>:12" (the workbook links so where the whole id would not fit in its link)
      if (!byId.has(h) && /^[0-9]+$/.test(h) && byId.has(data.doc_id + ':' + h)) h = data.doc_id + ':' + h;
      // "#noted" (the index's link): the values to check first, the first of them selected
      if (h === 'noted' && !byId.has(h)) {
        if (noted.length) { showNoted(true); select(filtered[0].id); }
        return;
      }
      if (h !== selectedId) select(h);
    }
    window.addEventListener('hashchange', fromHash);
    fromHash();

    window.vnreview = {
      select: function (id) { return select(id); },
      selected: function () { return selectedId; },
      decisionsCSV: decisionsCSV,
      decisions: function () { return JSON.parse(JSON.stringify(local)); },
      stale: function () { return Object.keys(stale); },
      key: key,
      lazy: lazy,
      shown: function () { return filtered.length; },
      shownIds: function () { return filtered.map(function (r) { return r.id; }); },
      noted: function () { return noted.map(function (r) { return r.id; }); },
      noteText: noteText,
      showNoted: showNoted,
      loadMs: performance.now() - t0
    };
    document.body.setAttribute('data-ready', '1');
  }

  // ------------------------------------------------------------ index page

  function initIndex() {
    var data = JSON.parse($('#review-data').textContent);
    var notice = noticeFn();
    var docs = data.docs.map(function (d) {
      var applied = {};
      Object.keys(d.applied).forEach(function (id) {
        var a = d.applied[id];
        applied[id] = { d: a[0], v: a[1], n: a[2] };
      });
      // the ids are "<doc_id>:1" … ":n" unless listed; the fingerprints come as one string of 12-character pieces
      var ids = d.ids || Array.from({ length: d.total }, function (_, i) { return d.doc_id + ':' + (i + 1); });
      var fps = {};
      ids.forEach(function (id, i) { fps[id] = d.fps.substr(12 * i, 12); });
      var noted = (d.noted || []).map(function (i) { return ids[i]; });
      return { doc_id: d.doc_id, key: d.key, total: d.total, ids: ids, fps: fps, applied: applied, noted: noted };
    });
    var rowOf = new Map();
    document.querySelectorAll('#docs tbody tr[data-doc]').forEach(function (tr) { rowOf.set(tr.getAttribute('data-doc'), tr); });

    function decisionsOf(doc) {
      var local = splitStored(loadDecisions(doc.key), function (id) { return doc.fps[id]; }).live;
      var out = [];
      doc.ids.forEach(function (id) {
        var e = effective(local[id], doc.applied[id]);
        if (e.d) out.push([id, e.d, e.v, e.n]);
      });
      return out;
    }

    function summarize() {
      var all = { ok: 0, wrong: 0, fix: 0 }, total = 0;
      var spans = document.querySelectorAll('.rev-text[data-doc]');
      docs.forEach(function (doc) {
        var c = { ok: 0, wrong: 0, fix: 0 };
        var lines = decisionsOf(doc);
        lines.forEach(function (l) { c[l[1]]++; all[l[1]]++; });
        total += doc.total;
        // the values to check first not yet reviewed (the index sorts by them)
        var decided = new Set(lines.map(function (l) { return l[0]; }));
        var left = doc.noted.filter(function (id) { return !decided.has(id); }).length;
        var tr = rowOf.get(doc.doc_id);
        if (tr) {
          tr.setAttribute('data-left', left);
          var el = tr.querySelector('.noted-left');
          if (el) {
            el.textContent = left === doc.noted.length ? '' : left ? t('index.noted_left', { n: left }) : t('index.noted_done');
            el.classList.toggle('done', !left);
          }
        }
        spans.forEach(function (s) {
          if (s.getAttribute('data-doc') !== doc.doc_id) return;
          var done = c.ok + c.wrong + c.fix;
          s.textContent = doc.total ? t('index.rev', { done: done, total: doc.total }) + (done ? ' · ' + progressDetail(c) : '')
            : t('index.no_values');
          setBar(s.parentNode.querySelector('.bar'), c, doc.total);
        });
      });
      $('#progress-done').textContent = all.ok + all.wrong + all.fix;
      setBar($('#progress-bar'), all, total);
      $('#progress-detail').textContent = progressDetail(all);
    }

    function decisionsCSV() {
      var lines = [];
      docs.forEach(function (doc) { lines = lines.concat(decisionsOf(doc)); });
      return toCSV(lines);
    }

    $('#export-all').addEventListener('click', function () {
      var csv = decisionsCSV();
      var n = csv.split('\n').length - 2;
      download(csv, 'decisions.csv');
      notice(n ? esc(t('notice.exported_all', { n: n })) + APPLY_CMD : esc(t('notice.export_empty')));
    });

    var stale = 0;
    docs.forEach(function (doc) {
      stale += Object.keys(splitStored(loadDecisions(doc.key), function (id) { return doc.fps[id]; }).stale).length;
    });
    if (stale) notice(esc(t('notice.stale_index', { n: stale })), true);

    // ---- sorting: a click on a column's heading sorts by it (numbers: most first; a second click turns it
    // round); "to check first" sorts by the values to check first not yet reviewed, then by all of them. The
    // order is kept in this browser; the documents' own order is the start.
    var tbodyDocs = $('#docs tbody');
    var original = [].slice.call(tbodyDocs.querySelectorAll('tr[data-doc]'));
    var place = new Map(original.map(function (tr, i) { return [tr, i]; }));
    var SORT_KEY = 'vnreport.index/sort';
    var sortBy = { col: '', desc: false };
    function num(tr, attr) {
      var v = tr.getAttribute(attr);
      return v === null || v === '' ? -1 : parseFloat(v);
    }
    function nameOf(tr) {
      var a = tr.querySelector('td.name a, td.name .doc-name');
      return a ? a.textContent.trim() : tr.getAttribute('data-doc');
    }
    function compare(col) {
      if (col === 'name') return function (a, b) { return nameOf(a).localeCompare(nameOf(b), document.documentElement.lang || undefined); };
      if (col === 'noted') return function (a, b) { return num(a, 'data-left') - num(b, 'data-left') || num(a, 'data-noted') - num(b, 'data-noted'); };
      return function (a, b) { return num(a, 'data-' + col) - num(b, 'data-' + col); };
    }
    function sortRows(col, desc) {
      sortBy = { col: col, desc: desc };
      var order = original.slice();
      if (col) {
        var cmp = compare(col);
        order.sort(function (a, b) { return (desc ? -cmp(a, b) : cmp(a, b)) || place.get(a) - place.get(b); });
      }
      order.forEach(function (tr) { tbodyDocs.appendChild(tr); });
      document.querySelectorAll('#docs th[data-sort]').forEach(function (th) {
        var on = th.getAttribute('data-sort') === col;
        if (on) th.setAttribute('aria-sort', desc ? 'descending' : 'ascending'); else th.removeAttribute('aria-sort');
      });
      try { if (col) localStorage.setItem(SORT_KEY, JSON.stringify(sortBy)); else localStorage.removeItem(SORT_KEY); } catch (e) { /* not kept */ }
    }
    document.querySelectorAll('#docs th[data-sort] button.sort').forEach(function (b) {
      b.addEventListener('click', function () {
        var col = b.parentNode.getAttribute('data-sort');
        // the first click: names A→Z, numbers most first; the second turns it round; the third: the documents' order
        var first = col !== 'name';
        if (sortBy.col !== col) sortRows(col, first);
        else if (sortBy.desc === first) sortRows(col, !first);
        else sortRows('', false);
        b.blur();
      });
    });

    // decisions made elsewhere (a document's page, another tab) change what is left to check: counted again, and
    // the rows sorted again when they are sorted by it
    function refresh() {
      summarize();
      if (sortBy.col === 'noted') sortRows(sortBy.col, sortBy.desc);
    }
    window.addEventListener('storage', refresh);
    window.addEventListener('pageshow', refresh);
    window.addEventListener('focus', refresh);
    summarize();
    try {
      var kept = JSON.parse(localStorage.getItem(SORT_KEY) || 'null');
      if (kept && kept.col && document.querySelector('#docs th[data-sort="' + kept.col + '"]')) sortRows(kept.col, !!kept.desc);
    } catch (e) { /* the documents' order */ }
    window.vnreview = { decisionsCSV: decisionsCSV, summarize: summarize, sort: sortRows };
    document.body.setAttribute('data-ready', '1');
  }

  var page = document.body.getAttribute('data-page');
  if (page === 'document') initDocument();
  else if (page === 'index') initIndex();
})();
