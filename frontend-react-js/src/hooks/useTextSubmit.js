import { useState } from 'react';
import { errorsOf } from '../components/ErrorList.jsx';

// The state every text form shares: the text, the API's error codes, and whether a send is
// in flight. `send(text)` calls the API; on success the text is cleared and `onDone` gets the data.
export default function useTextSubmit(send, onDone) {
  const [message, setMessage] = useState('');
  const [errors, setErrors] = useState([]);
  const [sending, setSending] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setSending(true);
    setErrors([]);
    try {
      const { data } = await send(message);
      setMessage('');
      onDone?.(data);
    } catch (error) {
      setErrors(errorsOf(error));
    } finally {
      setSending(false);
    }
  }

  return { message, setMessage, errors, sending, submit };
}
