import { Outlet } from 'react-router-dom';
import DesktopNavigation from './DesktopNavigation.jsx';
import DesktopSidebar from './DesktopSidebar.jsx';
import Flash from './Flash.jsx';

export default function Layout() {
  return (
    <div className="layout">
      <DesktopNavigation />
      <main className="content">
        <Flash />
        <Outlet />
      </main>
      <DesktopSidebar />
    </div>
  );
}
