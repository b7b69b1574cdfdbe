import { showError } from '../announcer.js';
import { createApi, SIGN_IN_ERRORS } from '../api.js';
import { field, fill, h } from '../elements.js';
import { keepSession } from '../session.js';

/**
 * Signing in is checking that the service accepts the access key: one signed call (ListKeys, one
 * key). A refusal of that call by a policy still means the key is good, so only the errors that
 * reject the key itself keep the user here.
 */
export function signInPage(main, signedIn) {
  const accessKeyId = h('input', { name: 'accessKeyId', autocomplete: 'username', required: true, spellcheck: 'false', autocapitalize: 'off' });
  const secret = h('input', { name: 'secretAccessKey', type: 'password', autocomplete: 'current-password', required: true });
  const token = h('input', { name: 'sessionToken', type: 'password', autocomplete: 'off' });
  const region = h('input', { name: 'region', value: 'us-east-1', required: true, pattern: '[a-z]{2}(-[a-z]+)+-\\d', spellcheck: 'false', autocapitalize: 'off' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-heading', novalidate: false },
    h('h1', { id: 'sign-in-heading', tabindex: -1 }, 'Sign in to the Keywarden console'),
    h(
      'p',
      {},
      'Use an access key of the service\'s credentials file (test / test when it was started without one). ',
      'Every action on these pages is a signed API call made with it, authorized and recorded in the audit trail like any other. ',
      'The key stays in this tab only, and is forgotten when you sign out or close the tab.',
    ),
    field('Access key ID', accessKeyId),
    field('Secret access key', secret),
    field('Session token (temporary credentials only)', token),
    field('Region', region, 'The Region your calls are signed for, as the AWS CLI\'s --region.'),
    button,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const session = { accessKeyId: accessKeyId.value.trim(), secretAccessKey: secret.value, region: region.value.trim() };
    if (token.value) session.sessionToken = token.value;
    button.disabled = true;
    try {
      await createApi(session).call('kms', 'ListKeys', { Limit: 1 });
    } catch (err) {
      if (SIGN_IN_ERRORS.has(err.type) || !err.type) {
        button.disabled = false;
        showError(err, 'Signing in');
        secret.focus();
        return;
      }
    }
    keepSession(session);
    signedIn();
  });
  fill(main, form);
  accessKeyId.focus();
}
