import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useUser } from '../contexts/UserContext.jsx';
import { expiresIn, formatAbsolute, timeAgo } from '../lib/time.js';
import Avatar from './Avatar.jsx';
import TextForm, { replyForm } from './TextForm.jsx';

export function statusPath(activity) {
  return `/@${activity.handle}/status/${activity.uuid}`;
}

// A feed item carries at most this many of its latest replies (the API's limit);
// its status page lists them all.
export const INLINE_REPLIES = 3;

export function withReply(activity, reply) {
  return {
    ...activity,
    replies_count: (activity.replies_count ?? 0) + 1,
    replies: [...(activity.replies ?? []), reply].slice(-INLINE_REPLIES),
  };
}

export function isReply(activity) {
  return Boolean(activity.reply_to_activity_uuid);
}

// Messages and names are rendered as React text nodes, never as HTML. Items
// whose parent can show a new reply (onReplied) get an inline reply form;
// other cruds link to their own status page, where replying is possible.
// Replies take no replies (the API answers 422 reply_to_reply), so they have
// no reply action at all.
export default function ActivityItem({ activity, onReplied, showReplies = true }) {
  const { user } = useUser();
  const [replying, setReplying] = useState(false);
  const replies = showReplies ? activity.replies || [] : [];
  const repliesCount = activity.replies_count ?? 0;
  const hidden = showReplies && repliesCount > replies.length;

  function replied(reply) {
    setReplying(false);
    onReplied?.(activity, reply);
  }

  return (
    <article className="activity-item" data-uuid={activity.uuid}>
      <div className="activity-main">
        <Avatar name={activity.display_name} />
        <div className="activity-content">
          <header className="activity-meta">
            <Link className="display-name" to={`/@${activity.handle}`}>
              {activity.display_name}
            </Link>
            <Link className="handle" to={`/@${activity.handle}`}>
              @{activity.handle}
            </Link>
            <Link className="time" to={statusPath(activity)} title={formatAbsolute(activity.created_at)}>
              <time dateTime={activity.created_at}>{timeAgo(activity.created_at)}</time>
            </Link>
            {activity.expires_at && (
              <span className="expires" title={formatAbsolute(activity.expires_at)}>
                {expiresIn(activity.expires_at)}
              </span>
            )}
          </header>
          <p className="message">{activity.message}</p>
          <div className="activity-actions">
            {isReply(activity) ? null : user && onReplied ? (
              <button
                type="button"
                className="action reply-action"
                aria-expanded={replying}
                onClick={() => setReplying((open) => !open)}
              >
                Reply <span className="count" data-testid="replies-count">{activity.replies_count ?? 0}</span>
              </button>
            ) : (
              <Link className="action reply-action" to={statusPath(activity)}>
                Replies <span className="count" data-testid="replies-count">{activity.replies_count ?? 0}</span>
              </Link>
            )}
            <span className="action">
              Reposts <span className="count">{activity.reposts_count ?? 0}</span>
            </span>
            <span className="action">
              Likes <span className="count">{activity.likes_count ?? 0}</span>
            </span>
          </div>
          {replying && <TextForm {...replyForm(activity)} onSent={replied} />}
        </div>
      </div>
      {replies.length > 0 && (
        <div className="replies">
          {replies.map((reply) => (
            <ActivityItem key={reply.uuid} activity={reply} showReplies={false} />
          ))}
        </div>
      )}
      {hidden && (
        <Link className="all-replies" to={statusPath(activity)}>
          Show all {repliesCount} replies
        </Link>
      )}
    </article>
  );
}
