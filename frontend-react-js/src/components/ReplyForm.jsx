import { activities } from '../api/cruddur.js';
import CharacterCounter from './CharacterCounter.jsx';
import ErrorList from './ErrorList.jsx';
import useTextSubmit from '../hooks/useTextSubmit.js';

export const REPLY_MAX_CHARS = 1024;

export default function ReplyForm({ activity, onReplied }) {
  const { message, setMessage, errors, traceId, sending, submit } = useTextSubmit(
    (text) => activities.reply(activity.uuid, text),
    onReplied,
  );
  const fieldId = `reply-${activity.uuid}`;

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
      <ErrorList errors={errors} context={{ max: REPLY_MAX_CHARS }} traceId={traceId} />
    </form>
  );
}
