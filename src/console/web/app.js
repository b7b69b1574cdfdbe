import { clearError, showError } from './announcer.js';
import { createApi } from './api.js';
import { fill, h } from './elements.js';
import { auditPage } from './pages/audit.js';
import { clustersPage } from './pages/clusters.js';
import { keyPage } from './pages/key.js';
import { keyStorePage } from './pages/key-store.js';
import { keyStoresPage } from './pages/key-stores.js';
import { keysPage } from './pages/keys.js';
import { signInPage } from './pages/sign-in.js';
import { currentSession, endSession } from './session.js';

// The console's shell: sign-in, the navigation, and one page at a time under #/… addresses, so
// that the browser's back button and bookmarks work without the server knowing any page.

const ROUTES = [
  [/^\/keys$/, keysPage, 'keys'],
  [/^\/keys\/([^/]+)$/, keyPage, 'keys'],
  [/^\/key-stores$/, keyStoresPage, 'key-stores'],
  [/^\/key-stores\/([^/]+)$/, keyStorePage, 'key-stores'],
  [/^\/clusters$/, clustersPage, 'clusters'],
  [/^\/audit$/, auditPage, 'audit'],
];

const main = document.getElementById('main');
let leave = () => {};

function signOut() {
  endSession();
  location.hash = '#/keys';
  show();
}

/** The page for the current address; a page's timers stop when the address changes. */
async function show() {
  leave();
  clearError();
  const session = currentSession();
  const top = document.getElementById('top');
  if (!session) {
    top.hidden = true;
    document.title = 'Sign in · Keywarden console';
    return signInPage(main, () => show());
  }
  top.hidden = false;
  fill(
    document.getElementById('who'),
    h('span', {}, 'Signed in as ', h('code', {}, session.accessKeyId), ` in ${session.region}`),
    h('button', { type: 'button', onclick: signOut }, 'Sign out'),
  );
  const path = decodeURIComponent(location.hash.replace(/^#/, '')) || '/keys';
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  if (!route) {
    location.hash = '#/keys';
    return;
  }
  const [pattern, page, section] = route;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  let alive = true;
  const timers = new Set();
  leave = () => {
    alive = false;
    for (const t of timers) clearTimeout(t);
  };
  const ctx = {
    api: createApi(session, { onSignedOut: () => undefined }),
    params: pattern.exec(path).slice(1),
    alive: () => alive,
    /** Runs `fn` after `ms`, unless the page has been left by then. */
    later(fn, ms) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (alive) fn();
      }, ms);
      timers.add(t);
    },
  };
  fill(main);
  main.setAttribute('aria-busy', 'true');
  try {
    await page(main, ctx);
  } catch (err) {
    if (alive) showError(err, 'Loading the page');
  } finally {
    if (alive) main.removeAttribute('aria-busy');
  }
  // Keyboard and screen reader users land on the new page's heading, not on the old link.
  if (alive && !main.contains(document.activeElement)) main.querySelector('h1')?.focus();
}

window.addEventListener('hashchange', () => void show());
void show();
