import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import ErrorList, { errorsOf } from '../components/ErrorList.jsx';
import { useFlash } from '../contexts/FlashContext.jsx';
import { useUser } from '../contexts/UserContext.jsx';
import useSubmit from '../hooks/useSubmit.js';

export default function SignInPage() {
  const { signIn } = useUser();
  const { flash } = useFlash();
  const navigate = useNavigate();
  const location = useLocation();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const { errors, traceId, sending, submit } = useSubmit(
    async () => {
      const user = await signIn(login.trim(), password);
      flash(`Welcome back, ${user.display_name}.`);
      navigate(location.state?.from ?? '/', { replace: true });
    },
    (error) => (error.status === 401 ? ['invalid_credentials'] : errorsOf(error)),
  );

  return (
    <section className="auth-page">
      <h1 className="page-title">Sign into your Cruddur account</h1>
      <form className="auth-form" onSubmit={submit}>
        <label>
          Handle or email
          <input name="login" autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorList errors={errors} traceId={traceId} />
        <button type="submit" disabled={sending}>
          Sign in
        </button>
      </form>
      <p>
        Don’t have an account? <Link to="/signup">Sign up!</Link>
      </p>
    </section>
  );
}
