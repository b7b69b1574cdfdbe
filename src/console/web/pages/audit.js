import { announce, clearError, showError } from '../announcer.js';
import { choice, field, fill, h } from '../elements.js';
import { eventsTable } from '../events-table.js';

// The audit trail through CloudTrail's LookupEvents: one lookup attribute, a time range, pages of
// up to 50 events, newest first; each event's full record as JSON.

const ATTRIBUTES = ['EventName', 'EventSource', 'ResourceName', 'ResourceType', 'Username', 'AccessKeyId', 'EventId', 'ReadOnly'];

export async function auditPage(main, { api }) {
  document.title = 'Audit trail · Keywarden console';
  const attribute = choice('attributeKey', ATTRIBUTES, 'No attribute (all events)');
  const value = h('input', { name: 'attributeValue', spellcheck: 'false', autocomplete: 'off' });
  const start = h('input', { name: 'startTime', type: 'datetime-local', step: 1 });
  const end = h('input', { name: 'endTime', type: 'datetime-local', step: 1 });
  const results = h('div', { class: 'results' });
  const more = h('button', { type: 'button', hidden: true }, 'Next page');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Look up events' },
    field('Lookup attribute', attribute),
    field('Attribute value', value, 'EventName: ConnectCustomKeyStore; ResourceName: a key ARN or id; ReadOnly: true or false.'),
    field('From (UTC)', start),
    field('To (UTC)', end),
    h('button', { type: 'submit' }, 'Look up events'),
  );
  fill(main, h('h1', { tabindex: -1 }, 'Audit trail'), form, results, more);

  let query;
  let page = 0;
  const lookup = async (token) => {
    clearError();
    try {
      const out = await api.call('cloudtrail', 'LookupEvents', token ? { ...query, NextToken: token } : query);
      page = token ? page + 1 : 1;
      fill(results, eventsTable(out.Events ?? [], `${describe(query)}, page ${page}`));
      more.hidden = !out.NextToken;
      more.onclick = () => void lookup(out.NextToken);
      announce(`${(out.Events ?? []).length} events on page ${page}.`);
    } catch (err) {
      showError(err, 'Look up events');
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    query = { MaxResults: 50 };
    if (attribute.value) query.LookupAttributes = [{ AttributeKey: attribute.value, AttributeValue: value.value.trim() }];
    if (start.value) query.StartTime = utcSeconds(start.value);
    if (end.value) query.EndTime = utcSeconds(end.value);
    void lookup();
  });
  query = { MaxResults: 50 };
  await lookup();
}

/** The lookup in words, as the results table's caption. */
function describe(q) {
  const a = q.LookupAttributes?.[0];
  const parts = [a ? `Events with ${a.AttributeKey} ${a.AttributeValue}` : 'All events'];
  if (q.StartTime !== undefined) parts.push(`from ${new Date(q.StartTime * 1000).toISOString()}`);
  if (q.EndTime !== undefined) parts.push(`to ${new Date(q.EndTime * 1000).toISOString()}`);
  return parts.join(' ');
}

/** A datetime-local value read as UTC, in epoch seconds (the wire's timestamp). */
const utcSeconds = (local) => Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`) / 1000;
