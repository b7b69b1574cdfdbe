import { fill, h } from './elements.js';

// One polite live region for what changed (a state reached, an action done) and one alert region
// for failures, so that screen reader users hear what sighted users see appear.

const status = () => document.getElementById('status');
const alert = () => document.getElementById('alert');

export function announce(text) {
  fill(status(), text);
}

/** Shows a failed call: the AWS error name and its message, as the service sent them. */
export function showError(err, doing) {
  const type = err?.type ?? err?.name ?? 'Error';
  const detail = err?.detail ?? err?.message ?? String(err);
  fill(alert(), h('strong', {}, doing ? `${doing} failed: ` : 'Failed: '), h('code', {}, type), detail ? ` ${detail}` : '');
  alert().hidden = false;
}

export function clearError() {
  fill(alert());
  alert().hidden = true;
}
