import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import ErrorList from '../components/ErrorList.jsx';
import { useFlash } from '../contexts/FlashContext.jsx';
import { useUser } from '../contexts/UserContext.jsx';
import useSubmit from '../hooks/useSubmit.js';

const FIELDS = [
  { name: 'display_name', label: 'Name', autoComplete: 'name' },
  { name: 'email', label: 'Email', type: 'email', autoComplete: 'email' },
  { name: 'handle', label: 'Handle', autoComplete: 'username' },
  { name: 'password', label: 'Password', type: 'password', autoComplete: 'new-password' },
];

export default function SignUpPage() {
  const { signUp } = useUser();
  const { flash } = useFlash();
  const navigate = useNavigate();
  const [values, setValues] = useState({ display_name: '', email: '', handle: '', password: '' });
  const { errors, traceId, sending, submit } = useSubmit(async () => {
    const user = await signUp({ ...values, handle: values.handle.trim().replace(/^@/, ''), email: values.email.trim() });
    flash(`Welcome to Cruddur, ${user.display_name}!`);
    navigate('/', { replace: true });
  });

  return (
    <section className="auth-page">
      <h1 className="page-title">Sign up to create a Cruddur account</h1>
      <form className="auth-form" onSubmit={submit}>
        {FIELDS.map(({ name, label, type = 'text', autoComplete }) => (
          <label key={name}>
            {label}
            <input
              name={name}
              type={type}
              autoComplete={autoComplete}
              value={values[name]}
              onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.value }))}
            />
          </label>
        ))}
        <ErrorList errors={errors} traceId={traceId} />
        <button type="submit" disabled={sending}>
          Sign up
        </button>
      </form>
      <p>
        Have an account? <Link to="/signin">Sign in!</Link>
      </p>
    </section>
  );
}
