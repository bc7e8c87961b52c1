import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useUser } from '../contexts/UserContext.jsx';

export default function DesktopSidebar() {
  const { user } = useUser();
  const navigate = useNavigate();
  const [term, setTerm] = useState('');

  function search(event) {
    event.preventDefault();
    navigate(`/search?term=${encodeURIComponent(term.trim())}`);
  }

  return (
    <aside className="desktop-sidebar">
      <form className="search-box" role="search" onSubmit={search}>
        <input
          type="search"
          aria-label="Search cruds"
          placeholder="Search cruds"
          value={term}
          onChange={(event) => setTerm(event.target.value)}
        />
      </form>
      {!user && (
        <section className="sidebar-box join">
          <h2>Join the party!</h2>
          <p>Say what you think. It will not last.</p>
          <Link className="button" to="/signup">
            Join now
          </Link>
          <Link className="button secondary" to="/signin">
            Sign in
          </Link>
        </section>
      )}
      <section className="sidebar-box about">
        <h2>About Cruddur</h2>
        <p>Cruds are ephemeral: each one expires, from one hour to thirty days after you post it.</p>
      </section>
    </aside>
  );
}
