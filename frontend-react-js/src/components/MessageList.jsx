import { timeAgo } from '../lib/time.js';
import Avatar from './Avatar.jsx';

export default function MessageList({ messages }) {
  return (
    <ol className="message-list" aria-label="Messages">
      {messages.map((message) => (
        <li key={message.uuid} className="message-item">
          <Avatar name={message.display_name} />
          <div>
            <div className="message-meta">
              <span className="display-name">{message.display_name}</span>
              <span className="handle">@{message.handle}</span>
              <time dateTime={message.created_at}>{timeAgo(message.created_at)}</time>
            </div>
            <p className="message">{message.message}</p>
          </div>
        </li>
      ))}
    </ol>
  );
}
