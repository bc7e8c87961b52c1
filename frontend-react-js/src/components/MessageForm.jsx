import { messages } from '../api/cruddur.js';
import CharacterCounter from './CharacterCounter.jsx';
import ErrorList from './ErrorList.jsx';
import useTextSubmit from '../hooks/useTextSubmit.js';

export const MESSAGE_MAX_CHARS = 1024;

// `target` is {message_group_uuid} to continue a conversation or {handle} to start one.
export default function MessageForm({ target, onSent }) {
  const { message, setMessage, errors, traceId, sending, submit } = useTextSubmit(
    (text) => messages.send(target, text),
    onSent,
  );

  return (
    <form className="message-form" onSubmit={submit} aria-label="Send a message">
      <label className="visually-hidden" htmlFor="message-text">
        Message
      </label>
      <textarea
        id="message-text"
        name="message"
        placeholder="Send a direct message…"
        value={message}
        onChange={(event) => setMessage(event.target.value)}
      />
      <div className="form-row">
        <CharacterCounter text={message} max={MESSAGE_MAX_CHARS} />
        <button type="submit" disabled={sending}>
          Send
        </button>
      </div>
      <ErrorList errors={errors} context={{ max: MESSAGE_MAX_CHARS }} traceId={traceId} />
    </form>
  );
}
