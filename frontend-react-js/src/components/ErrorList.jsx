import { apiBaseUrl } from '../api/client.js';
import { config } from '../config.js';
import { describeError, isTraceId, traceIdOf, traceViewerLink } from '../lib/errors.js';

// The request's trace id, linked to the trace viewer when VITE_TRACE_VIEWER_URL names one,
// otherwise as text to copy. Anything but a well-formed id is never shown.
function TraceReference({ traceId, viewerUrl }) {
  if (!isTraceId(traceId)) return null;
  const href = traceViewerLink(traceId, viewerUrl);
  const id = <code className="trace-id">{traceId}</code>;
  return (
    <p className="error-trace">
      Trace:{' '}
      {href ? (
        <a href={href} target="_blank" rel="noopener noreferrer" title="Open this request's trace">
          {id}
        </a>
      ) : (
        id
      )}
    </p>
  );
}

// Shows API error codes next to the form that caused them, with the failed request's trace id: given
// as `errors` and `traceId`, or as the failed request's `error` (an ApiError), which names both.
export default function ErrorList({ errors, error, context, traceId = null, viewerUrl = config.traceViewerUrl }) {
  const codes = error ? errorsOf(error) : errors;
  if (!codes || codes.length === 0) return null;
  const details = { api: apiBaseUrl(), origin: window.location.origin, ...context };
  return (
    <div className="errors" role="alert">
      <ul>
        {codes.map((code) => (
          <li key={code} data-code={code}>
            {describeError(code, details)}
          </li>
        ))}
      </ul>
      <TraceReference traceId={error ? traceIdOf(error) : traceId} viewerUrl={viewerUrl} />
    </div>
  );
}

export function errorsOf(error) {
  return error && Array.isArray(error.errors) ? error.errors : ['unexpected_error'];
}
