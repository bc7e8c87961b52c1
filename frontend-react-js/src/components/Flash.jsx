import { useFlash } from '../contexts/FlashContext.jsx';

export default function Flash() {
  const { message, dismiss } = useFlash();
  if (!message) return null;
  return (
    <div className={`flash flash-${message.kind}`} role="status">
      <span>{message.text}</span>
      <button type="button" className="flash-dismiss" onClick={dismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
