import { useState } from 'react';
import { errorsOf } from '../components/ErrorList.jsx';
import { traceIdOf } from '../lib/errors.js';

// A form's submit lifecycle: clear the errors, mark a send in flight, run `action`, and on failure
// show the API's error codes (or what `toErrors` makes of the error) and the request's trace id.
export default function useSubmit(action, toErrors = errorsOf) {
  const [errors, setErrors] = useState([]);
  const [traceId, setTraceId] = useState(null);
  const [sending, setSending] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setSending(true);
    setErrors([]);
    setTraceId(null);
    try {
      await action();
    } catch (error) {
      setErrors(toErrors(error));
      setTraceId(traceIdOf(error));
    } finally {
      setSending(false);
    }
  }

  return { errors, traceId, sending, submit };
}
