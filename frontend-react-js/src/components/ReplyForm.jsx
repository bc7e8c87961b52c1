import { useState } from 'react';
import { activities } from '../api/cruddur.js';
import CharacterCounter from './CharacterCounter.jsx';
import ErrorList, { errorsOf } from './ErrorList.jsx';

export const REPLY_MAX_CHARS = 1024;

export default function ReplyForm({ activity, onReplied }) {
  const [message, setMessage] = useState('');
  const [errors, setErrors] = useState([]);
  const [sending, setSending] = useState(false);
  const fieldId = `reply-${activity.uuid}`;

  async function submit(event) {
    event.preventDefault();
    setSending(true);
    setErrors([]);
    try {
      const { data } = await activities.reply(activity.uuid, message);
      setMessage('');
      onReplied?.(data);
    } catch (error) {
      setErrors(errorsOf(error));
    } finally {
      setSending(false);
    }
  }

  return (
    <form className="reply-form" onSubmit={submit} aria-label={`Reply to ${activity.handle}`}>
      <label className="visually-hidden" htmlFor={fieldId}>
        Reply
      </label>
      <textarea
        id={fieldId}
        name="message"
        placeholder="Write your reply"
        value={message}
        onChange={(event) => setMessage(event.target.value)}
      />
      <div className="form-row">
        <CharacterCounter text={message} max={REPLY_MAX_CHARS} />
        <button type="submit" disabled={sending}>
          Reply
        </button>
      </div>
      <ErrorList errors={errors} context={{ max: REPLY_MAX_CHARS }} />
    </form>
  );
}
