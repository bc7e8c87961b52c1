import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

const FlashContext = createContext(null);
const FLASH_MS = 5000;

export function FlashProvider({ children }) {
  const [message, setMessage] = useState(null);

  const flash = useCallback((text, kind = 'info') => setMessage({ text, kind, id: Date.now() }), []);
  const dismiss = useCallback(() => setMessage(null), []);

  useEffect(() => {
    if (!message) return undefined;
    const timer = setTimeout(dismiss, FLASH_MS);
    return () => clearTimeout(timer);
  }, [message, dismiss]);

  const value = useMemo(() => ({ message, flash, dismiss }), [message, flash, dismiss]);
  return <FlashContext.Provider value={value}>{children}</FlashContext.Provider>;
}

export function useFlash() {
  const context = useContext(FlashContext);
  if (!context) throw new Error('useFlash must be used inside <FlashProvider>');
  return context;
}
