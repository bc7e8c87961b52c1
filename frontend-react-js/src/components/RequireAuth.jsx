import { Navigate, useLocation } from 'react-router-dom';
import { useUser } from '../contexts/UserContext.jsx';

// Signed-out visitors go to sign-in, which sends them back afterwards.
export default function RequireAuth({ children }) {
  const { user } = useUser();
  const location = useLocation();
  if (!user) return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  return children;
}
