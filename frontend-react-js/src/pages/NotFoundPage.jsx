import { Link } from 'react-router-dom';

export default function NotFoundPage({ what = 'This page' }) {
  return (
    <section className="not-found">
      <h1 className="page-title">Not found</h1>
      <p>{what} does not exist.</p>
      <Link to="/">Back home</Link>
    </section>
  );
}
