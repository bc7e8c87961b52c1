import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { activities, messages } from '../api/cruddur.js';
import { touchedBy } from '../api/queries.js';
import apiRules from '../api/rules.generated.json';
import CharacterCounter from './CharacterCounter.jsx';
import ErrorList from './ErrorList.jsx';

// The expiry a new crud starts with: the form's choice, one of the API's (a test checks).
export const DEFAULT_TTL = '7-days';

// One form for every text the API takes: a crud, a reply, a message. What differs is data: the labels,
// the body's rules from the API's document (`rules`: its message length, and its ttl choices when it has
// them, which add the expiry select), `send` (which posts the body), and what the answer makes stale.
// Over-long texts are still sent: the server is the judge, and its error codes show here, next to the
// counter that already turned red. On success the text is cleared and `onSent` gets the new item.
export default function TextForm({ className, name, label, fieldId, placeholder, submitLabel, rules, send, touches, onSent }) {
  const ttls = rules.ttl?.enum;
  const max = rules.message.maxLength;
  const [message, setMessage] = useState('');
  const [ttl, setTtl] = useState(DEFAULT_TTL);
  const queryClient = useQueryClient();
  const sending = useMutation({
    mutationFn: send,
    onSuccess: ({ data }) => {
      setMessage('');
      onSent?.(data);
      // After onSent's own cache edit: the lists it did not edit load again when next shown.
      touches.forEach((queryKey) => queryClient.invalidateQueries({ queryKey, refetchType: 'none' }));
    },
  });

  function submit(event) {
    event.preventDefault();
    sending.mutate(ttls ? { message, ttl } : { message });
  }

  return (
    <form className={className} onSubmit={submit} aria-label={name}>
      <label className="visually-hidden" htmlFor={fieldId}>
        {label}
      </label>
      <textarea
        id={fieldId}
        name="message"
        placeholder={placeholder}
        value={message}
        onChange={(event) => setMessage(event.target.value)}
      />
      <div className="form-row">
        <CharacterCounter text={message} max={max} />
        {ttls && (
          <label className="ttl">
            <span>Expires after</span>
            <select name="ttl" value={ttl} onChange={(event) => setTtl(event.target.value)}>
              {ttls.map((option) => (
                <option key={option} value={option}>
                  {option.replace('-', ' ')}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" disabled={sending.isPending}>
          {submitLabel}
        </button>
      </div>
      <ErrorList error={sending.error} context={{ max }} />
    </form>
  );
}

// The three forms, as TextForm's props.
export const crudForm = () => ({
  className: 'activity-form',
  name: 'New crud',
  label: 'Crud',
  fieldId: 'crud-message',
  placeholder: 'What would you like to say?',
  submitLabel: 'Crud',
  rules: apiRules.CreateActivityBody,
  send: ({ message, ttl }) => activities.create(message, ttl),
  touches: touchedBy.crud,
});

export const replyForm = (activity) => ({
  className: 'reply-form',
  name: `Reply to ${activity.handle}`,
  label: 'Reply',
  fieldId: `reply-${activity.uuid}`,
  placeholder: 'Write your reply',
  submitLabel: 'Reply',
  rules: apiRules.ReplyBody,
  send: ({ message }) => activities.reply(activity.uuid, message),
  touches: touchedBy.reply,
});

// `target` is {message_group_uuid} to continue a conversation or {handle} to start one.
export const messageForm = (target) => ({
  className: 'message-form',
  name: 'Send a message',
  label: 'Message',
  fieldId: 'message-text',
  placeholder: 'Send a direct message…',
  submitLabel: 'Send',
  rules: apiRules.CreateMessageBody,
  send: ({ message }) => messages.send(target, message),
  touches: touchedBy.message,
});
