// Building the page. Every piece of text from the service (names, descriptions, policies, event
// JSON) enters the document as a text node, never as markup: nothing here parses HTML, which is
// what keeps a key description or an alias from ever running as script.

/**
 * An element: `h('a', { href: '#/keys' }, 'Keys')`. Attributes named on… are event listeners;
 * `true` sets a boolean attribute, `false`, null and undefined leave it out.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...unknown} children strings, numbers, nodes, arrays of them; null and false are skipped
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  add(el, children);
  return el;
}

/** Appends children as `h` takes them. */
export function add(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces everything inside `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

/**
 * A data table with a caption and column headers, so that screen readers announce each cell with
 * its column.
 * @template T
 * @param {{ caption: string, columns: Array<{ header: string, cell: (row: T) => unknown, rowHeader?: boolean }>,
 *   rows: T[], empty?: string, captionHidden?: boolean }} spec
 */
export function table({ caption, columns, rows, empty = 'None.', captionHidden = false }) {
  if (rows.length === 0) return h('p', { class: 'empty' }, `${caption}: ${empty}`);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: captionHidden ? 'visually-hidden' : undefined }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.header)))),
      h(
        'tbody',
        {},
        rows.map((row) => h('tr', {}, columns.map((c) => h(c.rowHeader ? 'th' : 'td', c.rowHeader ? { scope: 'row' } : {}, c.cell(row))))),
      ),
    ),
  );
}

/** A description list of name/value pairs; values that are undefined are left out. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]),
  );
}

/** A labelled form field. */
export function field(label, control, hint) {
  const id = control.id || (control.id = `f-${Math.random().toString(36).slice(2, 10)}`);
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : undefined;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

/** A `<select>` whose first option means "any". */
export function choice(name, values, anyLabel) {
  return h('select', { name }, h('option', { value: '' }, anyLabel), values.map((v) => h('option', { value: v }, v)));
}

/** Pretty JSON in a preformatted block (as text). */
export function jsonBlock(value, label) {
  let text = value;
  if (typeof value === 'string') {
    try {
      text = JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      text = value;
    }
  } else {
    text = JSON.stringify(value, null, 2);
  }
  return h('pre', { class: 'json', tabindex: 0, 'aria-label': label }, text);
}

/**
 * Redraws part of the page without losing the keyboard focus: an element inside it that carries
 * data-focus-key gets the focus back in its redrawn form.
 */
export function keepFocus(container, redraw) {
  const active = document.activeElement;
  const key = container.contains(active) ? active?.getAttribute('data-focus-key') : null;
  redraw();
  if (key) container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
}
