import { apiBaseUrl } from '../api/client.js';
import { describeError } from '../lib/errors.js';

// Shows API error codes next to the form that caused them.
export default function ErrorList({ errors, context }) {
  if (!errors || errors.length === 0) return null;
  const details = { api: apiBaseUrl(), origin: window.location.origin, ...context };
  return (
    <ul className="errors" role="alert">
      {errors.map((code) => (
        <li key={code} data-code={code}>
          {describeError(code, details)}
        </li>
      ))}
    </ul>
  );
}

export function errorsOf(error) {
  return error && Array.isArray(error.errors) ? error.errors : ['unexpected_error'];
}
