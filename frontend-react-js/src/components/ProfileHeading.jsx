import { Link } from 'react-router-dom';
import { useUser } from '../contexts/UserContext.jsx';
import Avatar from './Avatar.jsx';

export default function ProfileHeading({ profile }) {
  const { user } = useUser();
  const isMe = user && user.handle === profile.handle;
  return (
    <header className="profile-heading">
      <div className="profile-banner" />
      <div className="profile-row">
        <Avatar name={profile.display_name} size="large" />
        <div className="profile-names">
          <h1 className="display-name">{profile.display_name}</h1>
          <span className="handle">@{profile.handle}</span>
          <span className="cruds-count">
            {profile.cruds_count ?? 0} {profile.cruds_count === 1 ? 'crud' : 'cruds'}
          </span>
        </div>
        {user && !isMe && (
          <Link className="button" to={`/messages/new/${profile.handle}`}>
            Message
          </Link>
        )}
      </div>
      {profile.bio && <p className="bio">{profile.bio}</p>}
    </header>
  );
}
