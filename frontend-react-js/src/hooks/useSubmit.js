import { useState } from 'react';
import { errorsOf } from '../components/ErrorList.jsx';

// A form's submit lifecycle: clear the errors, mark a send in flight, run `action`, and on failure
// show the API's error codes (or what `toErrors` makes of the error).
export default function useSubmit(action, toErrors = errorsOf) {
  const [errors, setErrors] = useState([]);
  const [sending, setSending] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setSending(true);
    setErrors([]);
    try {
      await action();
    } catch (error) {
      setErrors(toErrors(error));
    } finally {
      setSending(false);
    }
  }

  return { errors, sending, submit };
}
