import { useState } from 'react';
import { activities } from '../api/cruddur.js';
import CharacterCounter from './CharacterCounter.jsx';
import ErrorList from './ErrorList.jsx';
import useTextSubmit from '../hooks/useTextSubmit.js';

export const CRUD_MAX_CHARS = 280;
export const TTL_OPTIONS = ['30-days', '7-days', '3-days', '1-day', '12-hours', '3-hours', '1-hour'];

// Over-long cruds are still sent: the server is the judge, and its error
// codes are shown here, next to the counter that already turned red.
export default function ActivityForm({ onCreated }) {
  const [ttl, setTtl] = useState('7-days');
  const { message, setMessage, errors, traceId, sending, submit } = useTextSubmit(
    (text) => activities.create(text, ttl),
    onCreated,
  );

  return (
    <form className="activity-form" onSubmit={submit} aria-label="New crud">
      <label className="visually-hidden" htmlFor="crud-message">
        Crud
      </label>
      <textarea
        id="crud-message"
        name="message"
        placeholder="What would you like to say?"
        value={message}
        onChange={(event) => setMessage(event.target.value)}
      />
      <div className="form-row">
        <CharacterCounter text={message} max={CRUD_MAX_CHARS} />
        <label className="ttl">
          <span>Expires after</span>
          <select name="ttl" value={ttl} onChange={(event) => setTtl(event.target.value)}>
            {TTL_OPTIONS.map((option) => (
              <option key={option} value={option}>
                {option.replace('-', ' ')}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={sending}>
          Crud
        </button>
      </div>
      <ErrorList errors={errors} context={{ max: CRUD_MAX_CHARS }} traceId={traceId} />
    </form>
  );
}
