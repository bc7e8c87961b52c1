import { useState } from 'react';
import useSubmit from './useSubmit.js';

// The state every text form shares: the text, the API's error codes (and trace id), and whether a send is
// in flight. `send(text)` calls the API; on success the text is cleared and `onDone` gets the data.
export default function useTextSubmit(send, onDone) {
  const [message, setMessage] = useState('');
  const { errors, traceId, sending, submit } = useSubmit(async () => {
    const { data } = await send(message);
    setMessage('');
    onDone?.(data);
  });
  return { message, setMessage, errors, traceId, sending, submit };
}
