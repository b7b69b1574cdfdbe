import { fill, h, jsonBlock, table } from './elements.js';
import { when } from './format.js';

// CloudTrail events as LookupEvents returns them, and below the table the full record of the
// event chosen, as JSON (the focus moves to it, and back to its button with Escape).

export function eventsTable(events, caption) {
  const viewer = h('section', { class: 'panel event-record', 'aria-label': 'Event record', hidden: true, tabindex: -1 });
  const show = (e, button) => () => {
    fill(
      viewer,
      h('h3', {}, `${e.EventName} `, h('code', {}, e.EventId)),
      jsonBlock(e.CloudTrailEvent, `CloudTrail record of ${e.EventName} ${e.EventId}`),
      h('button', { type: 'button', onclick: () => close(button) }, 'Close'),
    );
    viewer.hidden = false;
    viewer.onkeydown = (k) => k.key === 'Escape' && close(button);
    viewer.focus();
  };
  const close = (button) => {
    viewer.hidden = true;
    button.focus();
  };
  const list = table({
    caption,
    empty: 'no events.',
    rows: events,
    columns: [
      { header: 'Event time', cell: (e) => when(e.EventTime) },
      { header: 'Event name', rowHeader: true, cell: (e) => e.EventName },
      { header: 'User name', cell: (e) => e.Username ?? '—' },
      { header: 'Access key', cell: (e) => e.AccessKeyId ?? '—' },
      { header: 'Event source', cell: (e) => e.EventSource ?? '' },
      { header: 'Outcome', cell: (e) => outcome(e.CloudTrailEvent) },
      { header: 'Resources', cell: (e) => (e.Resources ?? []).map((r) => r.ResourceName).join(', ') || '—' },
      {
        header: 'Record',
        cell: (e) => {
          const button = h('button', { type: 'button', class: 'link', 'aria-label': `View the JSON of ${e.EventName} ${e.EventId}` }, 'View JSON');
          button.addEventListener('click', show(e, button));
          return button;
        },
      },
    ],
  });
  return h('div', { class: 'events' }, viewer, list);
}

/** The error a record carries, or "Success". */
function outcome(recordText) {
  try {
    const r = JSON.parse(recordText);
    return r.errorCode ? `${r.errorCode}` : 'Success';
  } catch {
    return '';
  }
}
