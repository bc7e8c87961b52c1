import { Link, NavLink, useNavigate } from 'react-router-dom';
import { useFlash } from '../contexts/FlashContext.jsx';
import { useUser } from '../contexts/UserContext.jsx';
import Avatar from './Avatar.jsx';

function Item({ to, children, end }) {
  return (
    <NavLink to={to} end={end} className={({ isActive }) => (isActive ? 'nav-item active' : 'nav-item')}>
      {children}
    </NavLink>
  );
}

export default function DesktopNavigation() {
  const { user, signOut } = useUser();
  const { flash } = useFlash();
  const navigate = useNavigate();

  function leave() {
    signOut();
    flash('Signed out.');
    navigate('/');
  }

  return (
    <nav className="desktop-navigation" aria-label="Main">
      <Link to="/" className="logo">
        Cruddur
      </Link>
      <Item to="/" end>
        Home
      </Item>
      {user && <Item to="/notifications">Notifications</Item>}
      {user && <Item to="/messages">Messages</Item>}
      {user && <Item to={`/@${user.handle}`}>Profile</Item>}
      <Item to="/search">Search</Item>
      <div className="nav-profile">
        {user ? (
          <>
            <Avatar name={user.display_name} />
            <div className="nav-profile-names">
              <span className="display-name">{user.display_name}</span>
              <span className="handle">@{user.handle}</span>
            </div>
            <button type="button" className="link-button" onClick={leave}>
              Sign out
            </button>
          </>
        ) : (
          <Link to="/signin">Sign in</Link>
        )}
      </div>
    </nav>
  );
}
