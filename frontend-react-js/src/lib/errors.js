// Human text for the API's error codes. Unknown codes still show, readably.
// The codes for an answer the page could not read say only what the page can
// know, with the API's address (`api`) and this page's origin (`origin`).
const MESSAGES = {
  message_blank: 'Write something first.',
  message_exceed_max_chars: ({ max }) => (max ? `Keep it to ${max} characters or fewer.` : 'That is too long.'),
  ttl_invalid: 'Pick how long the crud lives.',
  ttl_blank: 'Pick how long the crud lives.',
  handle_blank: 'Choose a handle.',
  handle_invalid: 'Handles use letters, digits and underscores.',
  handle_taken: 'That handle is taken.',
  display_name_blank: 'Tell us your name.',
  email_blank: 'Enter your email.',
  email_invalid: 'That email does not look right.',
  email_taken: 'That email already has an account.',
  password_blank: 'Enter a password.',
  password_too_short: 'That password is too short.',
  login_blank: 'Enter your handle or email.',
  invalid_credentials: 'Wrong handle, email or password.',
  search_term_blank: 'Type something to search for.',
  search_term_too_short: 'Type at least three letters or digits in a row.',
  browser_offline: 'This browser is offline.',
  backend_unavailable: ({ api }) => `The API at ${api} did not answer.`,
  backend_timeout: ({ api }) => `The API at ${api} did not answer in time.`,
  cors_blocked: ({ api, origin }) =>
    `The API at ${api} answered, but the browser blocked its answer (CORS): the API does not allow ` +
    `this page's origin, ${origin}. Open the UI at the API's FRONTEND_URL, or set FRONTEND_URL to ${origin}.`,
  http_401: 'Please sign in again.',
  http_403: 'You cannot see that.',
  http_404: 'Not found.',
  http_413: 'That is too big.',
  http_500: 'Something went wrong on our side.',
};

// `context` fills in details the code alone lacks, such as the form's {max}.
export function describeError(code, context = {}) {
  const message = MESSAGES[code];
  if (typeof message === 'function') return message(context);
  if (message) return message;
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1) + '.';
}

// Python counts code points, not UTF-16 units; count the same way.
export function characterCount(text) {
  return [...text].length;
}

// A trace id as the API writes it in an error body (`trace_id`): 32 lowercase hex. Nothing else
// the server sends is ever shown as one, or put into a URL.
const TRACE_ID = /^[0-9a-f]{32}$/;

export function isTraceId(value) {
  return typeof value === 'string' && TRACE_ID.test(value);
}

// The trace id of a failed API call (an ApiError's `traceId`), or null.
export function traceIdOf(error) {
  return error && isTraceId(error.traceId) ? error.traceId : null;
}

// The trace viewer's page for `traceId` from a `{trace_id}` URL template (VITE_TRACE_VIEWER_URL),
// or null without a template or a well-formed id.
export function traceViewerLink(traceId, template) {
  if (!template || !isTraceId(traceId)) return null;
  return template.replaceAll('{trace_id}', traceId);
}
